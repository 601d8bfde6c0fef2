using Tricircle.Data;

namespace Tricircle.Pods;

/// <summary>A row of <c>pods</c>: one OpenStack region. An empty AZ marks the central pod.</summary>
internal sealed class Pod
{
    public string PodId { get; set; } = "";

    public string RegionName { get; set; } = "";

    public string AzName { get; set; } = "";

    public string PodAzName { get; set; } = "";

    public string DcName { get; set; } = "";

    /// <summary>A disabled pod takes no new resources; what it holds stays reachable.</summary>
    public bool Disabled { get; set; }

    public string DisabledReason { get; set; } = "";

    public DateTime CreatedAt { get; set; }

    public DateTime? UpdatedAt { get; set; }

    public bool IsCentral => AzName.Length == 0;

    /// <summary>False for a region that is not in <c>pods</c> (a shared Glance's, say): see <see cref="ForRegion"/>.</summary>
    public bool IsRegistered => !PodId.StartsWith(UnregisteredPrefix, StringComparison.Ordinal);

    private const string UnregisteredPrefix = "region:";

    /// <summary>
    /// A region that is not a pod but whose services the gateway calls (the Glance of
    /// <c>[image] glance_region</c>): reached like a pod, its endpoints kept in memory only.
    /// </summary>
    public static Pod ForRegion(string regionName) => new() { PodId = UnregisteredPrefix + regionName, RegionName = regionName };

    /// <summary>The API view; <c>pod_name</c> repeats <c>region_name</c> for 2.0.1-era clients.</summary>
    public object ToView() => new
    {
        pod_id = PodId,
        region_name = RegionName,
        pod_name = RegionName,
        az_name = AzName,
        pod_az_name = PodAzName,
        dc_name = DcName,
        disabled = Disabled,
        disabled_reason = DisabledReason,
        created_at = DbTime.Print(CreatedAt),
        updated_at = DbTime.Print(UpdatedAt),
    };
}
