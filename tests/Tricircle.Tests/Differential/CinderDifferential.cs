using System.Text.Json.Nodes;

namespace Tricircle.Differential;

/// <summary>
/// The Cinder calls a tenant's clients make, sent to a region's own Cinder and to Tricircle's
/// Cinder gateway in front of it: versions, volumes (create, shows at several microversions, lists
/// with every filter and paging form, summary, metadata, actions), snapshots, transfers, quotas,
/// deletes and the waits after them, and the errors of each. Each side needs <c>{project}</c>.
/// </summary>
public static class CinderDifferential
{
    private static DifferentialRequest Cinder(string method, string path, string? version = null, JsonNode? body = null) =>
        new("volume", new HttpMethod(method), path)
        {
            Body = body,
            Headers = version is null ? [] : [new("OpenStack-API-Version", "volume " + version)],
        };

    private static JsonNode Json(string text) => JsonNode.Parse(text)!;

    private static Func<DifferentialAnswer, bool> Status(string kind, string status) =>
        a => a.Status == 200 && a.At(kind + ".status") is { } s && (s == status || s.StartsWith("error", StringComparison.Ordinal));

    public static async Task RunAsync(DifferentialRun run)
    {
        await VersionsAsync(run);
        await ErrorsAsync(run);
        await VolumesAsync(run);
        await QuotasAsync(run);
    }

    private static async Task VersionsAsync(DifferentialRun run)
    {
        await run.CheckAsync("version document", new DifferentialRequest("volume-root", HttpMethod.Get, "/") { Authenticated = false });
        await run.CheckAsync("v3 document", new DifferentialRequest("volume-root", HttpMethod.Get, "/v3/") { Authenticated = false });
        await run.CheckAsync("unsupported microversion", Cinder("GET", "/volumes", "9.99"));
        await run.CheckAsync("malformed microversion", Cinder("GET", "/volumes", "3.x"));
        await run.CheckAsync("latest microversion", Cinder("GET", "/volumes?name={p}none", "latest"));
        await run.CheckAsync("extensions", Cinder("GET", "/extensions"), Compare.Shape);
    }

    private static async Task ErrorsAsync(DifferentialRun run)
    {
        await run.CheckAsync("unknown volume", Cinder("GET", "/volumes/00000000-0000-4000-8000-000000000000"));
        await run.CheckAsync("volume id not a uuid", Cinder("GET", "/volumes/not-a-uuid"));
        await run.CheckAsync("delete unknown volume", Cinder("DELETE", "/volumes/00000000-0000-4000-8000-000000000000"));
        await run.CheckAsync("malformed create body", new DifferentialRequest("volume", HttpMethod.Post, "/volumes") { RawBody = "{\"volume\": " });
        await run.CheckAsync("create without volume", Cinder("POST", "/volumes", body: Json("""{"size": 1}""")));
        await run.CheckAsync("create with size text", Cinder("POST", "/volumes", body: Json("""{"volume": {"size": "big"}}""")));
        await run.CheckAsync("create with size 0", Cinder("POST", "/volumes", body: Json("""{"volume": {"size": 0}}""")));
        await run.CheckAsync("create with unknown type", Cinder("POST", "/volumes", body: Json("""{"volume": {"size": 1, "volume_type": "no-such-type"}}""")));
        await run.CheckAsync("create from unknown snapshot", Cinder("POST", "/volumes", body: Json("""{"volume": {"size": 1, "snapshot_id": "00000000-0000-4000-8000-000000000000"}}""")));
        await run.CheckAsync("list with trailing slash", Cinder("GET", "/volumes/"));
        await run.CheckAsync("list with unknown marker", Cinder("GET", "/volumes?marker=00000000-0000-4000-8000-000000000000"));
        await run.CheckAsync("list with bad sort key", Cinder("GET", "/volumes/detail?sort_key=nonsense"));
        await run.CheckAsync("list with bad sort", Cinder("GET", "/volumes/detail?sort=name:sideways"));
        await run.CheckAsync("list with bad limit", Cinder("GET", "/volumes?limit=-1"));
        await run.CheckAsync("unknown snapshot", Cinder("GET", "/snapshots/00000000-0000-4000-8000-000000000000"));
        await run.CheckAsync("snapshot of a null volume", Cinder("POST", "/snapshots", body: Json("""{"snapshot": {"volume_id": null}}""")));
        await run.CheckAsync("snapshot of an unknown volume", Cinder("POST", "/snapshots", body: Json("""{"snapshot": {"volume_id": "00000000-0000-4000-8000-000000000000"}}""")));
        await run.CheckAsync("snapshot without body", Cinder("POST", "/snapshots", body: Json("""{"nothing": {}}""")));
        await run.CheckAsync("snapshots with unknown marker", Cinder("GET", "/snapshots?marker=00000000-0000-4000-8000-000000000000"));
        await run.CheckAsync("snapshots with bad sort key", Cinder("GET", "/snapshots?sort_key=invalid"));
        await run.CheckAsync("unknown transfer", Cinder("GET", "/os-volume-transfer/00000000-0000-4000-8000-000000000000"));
    }

    private static async Task VolumesAsync(DifferentialRun run)
    {
        await run.CheckAsync("create", Cinder("POST", "/volumes", body: Json("""{"volume": {"size": 1, "name": "{p}v1", "availability_zone": "{az}", "metadata": {"run": "{p}"}}}""")), capture: "volume1=volume.id");
        await run.WaitAsync("volume 1 available", Cinder("GET", "/volumes/{volume1}"), Status("volume", "available"));

        // Cinder's created_at has whole seconds and ties go by the random id: the second volume
        // is made in a later second for the lists' order to be the same on both sides.
        await DifferentialRun.NextSecondAsync();
        await run.CheckAsync("create with metadata", Cinder("POST", "/volumes", "3.0", Json("""{"volume": {"size": 1, "name": "{p}v2", "description": "second", "availability_zone": "{az}", "metadata": {"k": "v", "run": "{p}"}}}""")), capture: "volume2=volume.id");
        await run.WaitAsync("volume 2 available", Cinder("GET", "/volumes/{volume2}"), Status("volume", "available"));

        foreach (var version in (string?[])[null, "3.0", "3.21", "3.48", "3.63", "3.64", "3.69", "latest"])
        {
            await run.CheckAsync($"volume show {version ?? "3.0"}", Cinder("GET", "/volumes/{volume1}", version));
        }

        // Lists narrowed to this run's volumes by their metadata: a member may filter by "name"
        // but not by "name~" (resource_filters.json), and "name" matches whole names only.
        const string Run = "metadata={\"run\":\"{p}\"}";
        foreach (var query in (string[])[
            "?name={p}v1", "?" + Run, $"?{Run}&limit=1", $"?{Run}&limit=2", $"?{Run}&sort=name:asc", $"?{Run}&sort=name:desc&limit=1",
            $"?{Run}&sort_key=name&sort_dir=asc", $"?{Run}&marker={{volume2}}", $"?{Run}&status=available", $"?{Run}&status=error",
            $"?metadata={{\"k\":\"v\",\"run\":\"{{p}}\"}}", $"?{Run}&with_count=true", $"?{Run}&offset=1", $"?{Run}&bootable=false", "?name~={p}",
        ])
        {
            await run.CheckAsync("volume list " + query, Cinder("GET", "/volumes" + query, "3.45"));
            await run.CheckAsync("volume detail " + query, Cinder("GET", "/volumes/detail" + query, "3.64"));
        }

        await run.CheckAsync("volume list 3.0 by name", Cinder("GET", "/volumes/detail?name={p}v2"));
        await run.CheckAsync("summary", Cinder("GET", "/volumes/summary", "3.12"), Compare.Shape);
        await run.CheckAsync("summary with metadata", Cinder("GET", "/volumes/summary", "3.36"), Compare.Shape);
        await run.CheckAsync("summary before 3.12", Cinder("GET", "/volumes/summary"));
        await run.CheckAsync("update", Cinder("PUT", "/volumes/{volume1}", body: Json("""{"volume": {"name": "{p}v1", "description": "first"}}""")));
        await run.CheckAsync("update nothing", Cinder("PUT", "/volumes/{volume1}", body: Json("""{"volume": {}}""")));
        await run.CheckAsync("metadata", Cinder("GET", "/volumes/{volume2}/metadata"));
        await run.CheckAsync("metadata add", Cinder("POST", "/volumes/{volume2}/metadata", body: Json("""{"metadata": {"a": "1"}}""")));
        await run.CheckAsync("metadata item", Cinder("GET", "/volumes/{volume2}/metadata/a"));
        await run.CheckAsync("metadata replace", Cinder("PUT", "/volumes/{volume2}/metadata", body: Json("""{"metadata": {"k": "w", "run": "{p}"}}""")));
        await run.CheckAsync("metadata item delete", Cinder("DELETE", "/volumes/{volume2}/metadata/k"));
        await run.CheckAsync("metadata unknown item", Cinder("GET", "/volumes/{volume2}/metadata/k"));

        // Actions.
        await run.CheckAsync("extend", Cinder("POST", "/volumes/{volume2}/action", body: Json("""{"os-extend": {"new_size": 2}}""")));
        await run.WaitAsync("extended", Cinder("GET", "/volumes/{volume2}"), a => a.At("volume.size") == "2" || a.At("volume.status") is "error_extending");
        await run.CheckAsync("extended show", Cinder("GET", "/volumes/{volume2}"));
        await run.CheckAsync("shrink", Cinder("POST", "/volumes/{volume2}/action", body: Json("""{"os-extend": {"new_size": 1}}""")));
        await run.CheckAsync("set bootable", Cinder("POST", "/volumes/{volume2}/action", body: Json("""{"os-set_bootable": {"bootable": true}}""")));
        await run.CheckAsync("bootable list", Cinder("GET", "/volumes/detail?metadata={\"run\":\"{p}\"}&bootable=true", "3.34"));
        await run.CheckAsync("readonly flag", Cinder("POST", "/volumes/{volume2}/action", body: Json("""{"os-update_readonly_flag": {"readonly": true}}""")));
        await run.CheckAsync("unknown action", Cinder("POST", "/volumes/{volume2}/action", body: Json("""{"os-fly": {}}""")));
        await run.CheckAsync("reset status as member", Cinder("POST", "/volumes/{volume2}/action", body: Json("""{"os-reset_status": {"status": "error"}}""")));

        // Snapshots.
        await run.CheckAsync("snapshot", Cinder("POST", "/snapshots", body: Json("""{"snapshot": {"volume_id": "{volume1}", "name": "{p}s1", "metadata": {"m": "1"}}}""")), capture: "snapshot1=snapshot.id");
        await run.WaitAsync("snapshot available", Cinder("GET", "/snapshots/{snapshot1}"), Status("snapshot", "available"));
        foreach (var version in (string?[])[null, "3.14", "3.41", "3.65", "latest"])
        {
            await run.CheckAsync($"snapshot show {version ?? "3.0"}", Cinder("GET", "/snapshots/{snapshot1}", version));
        }

        await run.CheckAsync("snapshot list by name", Cinder("GET", "/snapshots?name={p}s1"));
        await run.CheckAsync("snapshot detail by volume", Cinder("GET", "/snapshots/detail?volume_id={volume1}", "3.64"));
        await run.CheckAsync("snapshot detail page", Cinder("GET", "/snapshots/detail?volume_id={volume1}&limit=1"));
        await run.CheckAsync("snapshot update", Cinder("PUT", "/snapshots/{snapshot1}", body: Json("""{"snapshot": {"description": "snap"}}""")));
        await run.CheckAsync("snapshot metadata", Cinder("GET", "/snapshots/{snapshot1}/metadata"));
        await run.CheckAsync("delete a volume with a snapshot", Cinder("DELETE", "/volumes/{volume1}"));
        await run.CheckAsync("volume from snapshot too small", Cinder("POST", "/volumes", body: Json("""{"volume": {"size": 0, "snapshot_id": "{snapshot1}"}}""")));
        await run.CheckAsync("snapshot delete", Cinder("DELETE", "/snapshots/{snapshot1}"));
        await run.WaitAsync("snapshot gone", Cinder("GET", "/snapshots/{snapshot1}"), a => a.Status == 404);
        await run.CheckAsync("deleted snapshot", Cinder("GET", "/snapshots/{snapshot1}"));
        await run.CheckAsync("snapshots after delete", Cinder("GET", "/snapshots?volume_id={volume1}"));

        // Transfers.
        await run.CheckAsync("transfer create", Cinder("POST", "/os-volume-transfer", body: Json("""{"transfer": {"volume_id": "{volume1}", "name": "{p}t1"}}""")), ignore: ["auth_key"], capture: "transfer1=transfer.id");
        await run.CheckAsync("volume awaiting transfer", Cinder("GET", "/volumes/{volume1}"));
        await run.CheckAsync("transfer show", Cinder("GET", "/os-volume-transfer/{transfer1}"));
        await run.CheckAsync("transfer show 3.57", Cinder("GET", "/volume-transfers/{transfer1}", "3.57"));
        await run.CheckAsync("transfers", Cinder("GET", "/os-volume-transfer/detail"), Compare.Shape);
        await run.CheckAsync("transfer with a wrong key", Cinder("POST", "/os-volume-transfer/{transfer1}/accept", body: Json("""{"accept": {"auth_key": "0000000000000000"}}""")));
        await run.CheckAsync("transfer delete", Cinder("DELETE", "/os-volume-transfer/{transfer1}"));
        await run.CheckAsync("transfer gone", Cinder("GET", "/os-volume-transfer/{transfer1}"));
        await run.CheckAsync("transfers before 3.55", Cinder("GET", "/volume-transfers"));

        // Deletes, and what is seen once the region has finished them.
        await run.CheckAsync("delete", Cinder("DELETE", "/volumes/{volume1}"));
        await run.CheckAsync("delete with cascade", Cinder("DELETE", "/volumes/{volume2}?cascade=true"));
        await run.WaitAsync("volume 1 gone", Cinder("GET", "/volumes/{volume1}"), a => a.Status == 404);
        await run.WaitAsync("volume 2 gone", Cinder("GET", "/volumes/{volume2}"), a => a.Status == 404);
        await run.CheckAsync("deleted volume", Cinder("GET", "/volumes/{volume1}"));
        await run.CheckAsync("list when all deleted", Cinder("GET", "/volumes/detail?metadata={\"run\":\"{p}\"}", "3.34"));
    }

    private static async Task QuotasAsync(DifferentialRun run)
    {
        // Per-volume-type quotas (volumes_<type>, ...) name each side's own volume types: the
        // region's, or those of Tricircle's central catalogue (README: Volume types).
        string[] perType = ["volumes_*", "gigabytes_*", "snapshots_*"];
        await run.CheckAsync("limits", Cinder("GET", "/limits"), Compare.Shape);
        await run.CheckAsync("quota set", Cinder("GET", "/os-quota-sets/{project}"), Compare.Shape, perType);
        await run.CheckAsync("quota usage", Cinder("GET", "/os-quota-sets/{project}?usage=true"), Compare.Shape, perType);
        await run.CheckAsync("quota defaults", Cinder("GET", "/os-quota-sets/{project}/defaults"), Compare.Shape, perType);
        await run.CheckAsync("quota update as member", Cinder("PUT", "/os-quota-sets/{project}", body: Json("""{"quota_set": {"volumes": 5}}""")));
        await run.CheckAsync("quota class default", Cinder("GET", "/os-quota-class-sets/default"), Compare.Shape);
        await run.CheckAsync("availability zones", Cinder("GET", "/os-availability-zone"), Compare.Shape);
        await run.CheckAsync("volume types", Cinder("GET", "/types"), Compare.Shape);
    }
}
