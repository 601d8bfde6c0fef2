using Tricircle.Data;

namespace Tricircle.Routing;

/// <summary>A row of <c>resource_routings</c>: a top resource's counterpart in one pod.</summary>
internal sealed class ResourceRouting
{
    public long Id { get; set; }

    public string TopId { get; set; } = "";

    /// <summary>Null while the bottom resource is being created (the row is then the creation lock).</summary>
    public string? BottomId { get; set; }

    public string PodId { get; set; } = "";

    public string ProjectId { get; set; } = "";

    public string ResourceType { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime? UpdatedAt { get; set; }

    public object ToView() => new
    {
        id = Id,
        top_id = TopId,
        bottom_id = BottomId,
        pod_id = PodId,
        project_id = ProjectId,
        resource_type = ResourceType,
        created_at = DbTime.Print(CreatedAt),
        updated_at = DbTime.Print(UpdatedAt),
    };
}
