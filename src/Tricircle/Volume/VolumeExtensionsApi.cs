using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Hosting;

namespace Tricircle.Volume;

/// <summary>
/// <c>GET /v3/extensions</c> and <c>/v3/extensions/{alias}</c>: the Cinder API extensions the
/// gateway serves. Clients decide what to send by this list, so it names only what is really
/// served (Zed loads all of cinder/api/contrib; consistency groups, QoS specs, hosts, manage and
/// unmanage, encryption, capabilities and scheduler stats are not served here); a capability that
/// lands adds its alias.
/// </summary>
internal static class VolumeExtensionsApi
{
    public sealed record Extension(string Alias, string Name, string Description, string Updated);

    // Names, descriptions (the descriptor's docstring) and dates as Zed's cinder/api/contrib descriptors give them.
    public static readonly IReadOnlyList<Extension> Served =
    [
        new("os-admin-actions", "AdminActions", "Enable admin actions.", "2012-08-25T00:00:00+00:00"),
        new("os-availability-zone", "AvailabilityZones", "Describe Availability Zones.", "2013-06-27T00:00:00+00:00"),
        new("backups", "Backups", "Backups support.", "2012-12-12T00:00:00+00:00"),
        new("os-extended-services", "ExtendedServices", "Extended services support.", "2014-01-10T00:00:00-00:00"),
        new("os-extended-snapshot-attributes", "ExtendedSnapshotAttributes", "Extended SnapshotAttributes support.", "2012-06-19T00:00:00+00:00"),
        new("os-quota-class-sets", "QuotaClasses", "Quota classes management support.", "2012-03-12T00:00:00+00:00"),
        new("os-quota-sets", "Quotas", "Quota management support.", "2011-08-08T00:00:00+00:00"),
        new("OS-SCH-HNT", "SchedulerHints", "Pass arbitrary key/value pairs to the scheduler.", "2013-04-18T00:00:00+00:00"),
        new("os-services", "Services", "Services support.", "2012-10-28T00:00:00-00:00"),
        new("os-snapshot-actions", "SnapshotActions", "Enable snapshot manager actions.", "2013-07-16T00:00:00+00:00"),
        new("os-types-extra-specs", "TypesExtraSpecs", "Type extra specs support.", "2011-08-24T00:00:00+00:00"),
        new("os-types-manage", "TypesManage", "Types manage support.", "2011-08-24T00:00:00+00:00"),
        new("os-used-limits", "UsedLimits", "Provide data on limited resources that are being used.", "2013-10-03T00:00:00+00:00"),
        new("os-volume-transfer", "VolumeTransfer", "Volume transfer management support.", "2013-05-29T00:00:00+00:00"),
        new("os-volume-actions", "VolumeActions", "Enable volume actions.", "2012-05-31T00:00:00+00:00"),
        new("os-vol-host-attr", "VolumeHostAttribute", "Expose host as an attribute of a volume.", "2011-11-03T00:00:00+00:00"),
        new("os-vol-image-meta", "VolumeImageMetadata", "Show image metadata associated with the volume.", "2012-12-07T00:00:00+00:00"),
        new("os-vol-mig-status-attr", "VolumeMigStatusAttribute", "Expose migration_status as an attribute of a volume.", "2013-08-08T00:00:00+00:00"),
        new("os-vol-tenant-attr", "VolumeTenantAttribute", "Expose the internal project_id as an attribute of a volume.", "2011-11-03T00:00:00+00:00"),
        new("os-volume-type-access", "VolumeTypeAccess", "Volume type access support.", "2014-06-26T00:00:00Z"),
    ];

    public static void MapVolumeExtensionsApi(this IEndpointRouteBuilder v3)
    {
        v3.MapGet("/extensions", (HttpContext context) =>
        {
            VolumeApi.Caller(context);
            return ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["extensions"] = new JsonArray([.. Served.Select(e => (JsonNode)Json(e))]) });
        });
        v3.MapGet("/extensions/{alias}", (string alias, HttpContext context) =>
        {
            VolumeApi.Caller(context);

            // Cinder's show raises a bare webob 404 for an alias it has not loaded.
            var extension = Served.FirstOrDefault(e => e.Alias == alias) ?? throw ApiException.NotFound("The resource could not be found.");
            return ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["extension"] = Json(extension) });
        });
    }

    private static JsonObject Json(Extension e) => new()
    {
        ["name"] = e.Name,
        ["alias"] = e.Alias,
        ["description"] = e.Description,
        ["updated"] = e.Updated,
        ["links"] = new JsonArray(),
    };
}
