using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>Cinder's <c>/volumes/summary</c> (3.12, metadata from 3.36) and <c>/extensions</c>.</summary>
internal static partial class CinderApi
{
    // Every descriptor of Zed's cinder/api/contrib (osapi_volume_extension's standard_extensions loads them all).
    private static readonly (string Alias, string Name, string Description, string Updated)[] Extensions =
    [
        ("os-admin-actions", "AdminActions", "Enable admin actions.", "2012-08-25T00:00:00+00:00"),
        ("os-availability-zone", "AvailabilityZones", "Describe Availability Zones.", "2013-06-27T00:00:00+00:00"),
        ("backups", "Backups", "Backups support.", "2012-12-12T00:00:00+00:00"),
        ("capabilities", "Capabilities", "Capabilities support.", "2015-08-31T00:00:00+00:00"),
        ("cgsnapshots", "Cgsnapshots", "cgsnapshots support.", "2014-08-18T00:00:00+00:00"),
        ("consistencygroups", "Consistencygroups", "consistency groups support.", "2014-08-18T00:00:00+00:00"),
        ("os-extended-services", "ExtendedServices", "Extended services support.", "2014-01-10T00:00:00-00:00"),
        ("os-extended-snapshot-attributes", "ExtendedSnapshotAttributes", "Extended SnapshotAttributes support.", "2012-06-19T00:00:00+00:00"),
        ("os-hosts", "Hosts", "Admin-only host administration.", "2011-06-29T00:00:00+00:00"),
        ("qos-specs", "Qos_specs_manage", "QoS specs support.", "2013-08-02T00:00:00+00:00"),
        ("os-quota-class-sets", "QuotaClasses", "Quota classes management support.", "2012-03-12T00:00:00+00:00"),
        ("os-quota-sets", "Quotas", "Quota management support.", "2011-08-08T00:00:00+00:00"),
        ("OS-SCH-HNT", "SchedulerHints", "Pass arbitrary key/value pairs to the scheduler.", "2013-04-18T00:00:00+00:00"),
        ("scheduler-stats", "Scheduler_stats", "Scheduler stats support.", "2014-09-07T00:00:00+00:00"),
        ("os-services", "Services", "Services support.", "2012-10-28T00:00:00-00:00"),
        ("os-snapshot-actions", "SnapshotActions", "Enable snapshot manager actions.", "2013-07-16T00:00:00+00:00"),
        ("os-snapshot-manage", "SnapshotManage", "Allows existing backend storage to be 'managed' by Cinder.", "2014-12-31T00:00:00+00:00"),
        ("os-snapshot-unmanage", "SnapshotUnmanage", "Enable volume unmanage operation.", "2014-12-31T00:00:00+00:00"),
        ("os-types-extra-specs", "TypesExtraSpecs", "Type extra specs support.", "2011-08-24T00:00:00+00:00"),
        ("os-types-manage", "TypesManage", "Types manage support.", "2011-08-24T00:00:00+00:00"),
        ("os-used-limits", "UsedLimits", "Provide data on limited resources that are being used.", "2013-10-03T00:00:00+00:00"),
        ("os-volume-actions", "VolumeActions", "Enable volume actions.", "2012-05-31T00:00:00+00:00"),
        ("os-volume-encryption-metadata", "VolumeEncryptionMetadata", "Volume encryption metadata retrieval support.", "2013-07-10T00:00:00+00:00"),
        ("os-vol-host-attr", "VolumeHostAttribute", "Expose host as an attribute of a volume.", "2011-11-03T00:00:00+00:00"),
        ("os-vol-image-meta", "VolumeImageMetadata", "Show image metadata associated with the volume.", "2012-12-07T00:00:00+00:00"),
        ("os-volume-manage", "VolumeManage", "Allows existing backend storage to be 'managed' by Cinder.", "2014-02-10T00:00:00+00:00"),
        ("os-vol-mig-status-attr", "VolumeMigStatusAttribute", "Expose migration_status as an attribute of a volume.", "2013-08-08T00:00:00+00:00"),
        ("os-vol-tenant-attr", "VolumeTenantAttribute", "Expose the internal project_id as an attribute of a volume.", "2011-11-03T00:00:00+00:00"),
        ("os-volume-transfer", "VolumeTransfer", "Volume transfer management support.", "2013-05-29T00:00:00+00:00"),
        ("os-volume-type-access", "VolumeTypeAccess", "Volume type access support.", "2014-06-26T00:00:00Z"),
        ("encryption", "VolumeTypeEncryption", "Encryption support for volume types.", "2013-07-01T00:00:00+00:00"),
        ("os-volume-unmanage", "VolumeUnmanage", "Enable volume unmanage operation.", "2012-05-31T00:00:00+00:00"),
    ];

    private static Task VolumeSummaryAsync(CinderRequest r)
    {
        if (!CinderState.AtLeast(r.Version, 12))
        {
            throw OpenStackFault.NotFound("The resource could not be found."); // VersionNotFoundForAPIMethod: a bare 404
        }

        // remove_invalid_filter_options drops all_tenants for a member; get_bool_param then refuses a non-boolean.
        var allTenants = false;
        if (r.Caller.IsAdmin && r.Http.Request.Query.TryGetValue("all_tenants", out var flag))
        {
            var text = flag.ToString().ToLowerInvariant();
            if (text is not ("true" or "false" or "1" or "0" or "yes" or "no" or "on" or "off" or "y" or "n" or "t" or "f"))
            {
                throw OpenStackFault.BadRequest($"Value '{flag}' for 'all_tenants' is not a boolean.");
            }

            allTenants = IsTrue(text);
        }

        JsonObject summary;
        lock (r.State.Sync)
        {
            var volumes = r.State.Volumes.Where(v => allTenants || v.ProjectId == r.Caller.ProjectId).ToList();
            summary = new JsonObject { ["total_count"] = volumes.Count, ["total_size"] = volumes.Sum(v => (long)v.Size) };
            if (CinderState.AtLeast(r.Version, 36))
            {
                var metadata = new JsonObject();
                foreach (var group in volumes.SelectMany(v => v.Metadata).GroupBy(m => m.Key, StringComparer.Ordinal))
                {
                    metadata[group.Key] = new JsonArray([.. group.Select(m => m.Value).Distinct(StringComparer.Ordinal).Select(v => (JsonNode)v)]);
                }

                summary["metadata"] = metadata;
            }
        }

        return r.WriteAsync(200, new JsonObject { ["volume-summary"] = summary });
    }

    private static Task ListExtensionsAsync(CinderRequest r) =>
        r.WriteAsync(200, new JsonObject { ["extensions"] = new JsonArray([.. Extensions.Select(e => (JsonNode)ExtensionJson(e))]) });

    private static Task ShowExtensionAsync(CinderRequest r)
    {
        var alias = r.Route("alias");
        var extension = Extensions.FirstOrDefault(e => e.Alias == alias);
        return extension.Alias is null
            ? throw OpenStackFault.NotFound("The resource could not be found.") // webob's HTTPNotFound through the Fault wrapper
            : r.WriteAsync(200, new JsonObject { ["extension"] = ExtensionJson(extension) });
    }

    private static JsonObject ExtensionJson((string Alias, string Name, string Description, string Updated) e) => new()
    {
        ["name"] = e.Name,
        ["alias"] = e.Alias,
        ["description"] = e.Description,
        ["updated"] = e.Updated,
        ["links"] = new JsonArray(),
    };
}
