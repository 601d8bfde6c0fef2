using Tricircle.Data;

namespace Tricircle.Placement;

/// <summary>
/// A row of <c>pod_bindings</c>: a tenant's pod in one AZ. A tenant has at most one active
/// binding per AZ; older ones stay (inactive) so that history shows where resources went.
/// </summary>
internal sealed class PodBinding
{
    public string Id { get; set; } = "";

    public string TenantId { get; set; } = "";

    public string PodId { get; set; } = "";

    public bool IsBinding { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime? UpdatedAt { get; set; }

    public object ToView() => new
    {
        id = Id,
        tenant_id = TenantId,
        pod_id = PodId,
        is_binding = IsBinding,
        created_at = DbTime.Print(CreatedAt),
        updated_at = DbTime.Print(UpdatedAt),
    };
}
