using System.Text.Json.Nodes;

namespace Tricircle.Differential;

/// <summary>
/// The Nova calls a tenant's clients make, sent to a region's own Nova and to Tricircle's Nova
/// gateway in front of it: versions, flavors, keypairs, quotas, servers (boot, shows at several
/// microversions, lists with every filter and paging form, metadata, tags, actions and their
/// events, deletes and what is seen after them), server groups and the errors of each.
/// Each side needs <c>{flavor}</c> (a public flavor of its own), <c>{image}</c> and <c>{project}</c>.
/// </summary>
public static class NovaDifferential
{
    private static DifferentialRequest Nova(string method, string path, string? version = null, JsonNode? body = null) =>
        new("compute", new HttpMethod(method), path)
        {
            Body = body,
            Headers = version is null ? [] : [new("OpenStack-API-Version", "compute " + version)],
        };

    private static JsonNode Json(string text) => JsonNode.Parse(text)!;

    private static bool Status(DifferentialAnswer answer, string status) =>
        answer.Status == 200 && answer.At("server.status") is { } s && (s == status || s == "ERROR");

    public static async Task RunAsync(DifferentialRun run)
    {
        await VersionsAsync(run);
        await FlavorsAsync(run);
        await KeypairsAsync(run);
        await QuotasAsync(run);
        await ServerErrorsAsync(run);
        await ServersAsync(run);
        await ServerGroupsAsync(run);
    }

    private static async Task VersionsAsync(DifferentialRun run)
    {
        await run.CheckAsync("version document", new DifferentialRequest("compute-root", HttpMethod.Get, "/") { Authenticated = false });
        await run.CheckAsync("v2.1 document", new DifferentialRequest("compute-root", HttpMethod.Get, "/v2.1/") { Authenticated = false });
        await run.CheckAsync("unsupported microversion", Nova("GET", "/servers", "9.99"));
        await run.CheckAsync("malformed microversion", Nova("GET", "/servers", "2.x"));
        await run.CheckAsync("latest microversion", Nova("GET", "/servers?name={p}", "latest"));
        await run.CheckAsync("legacy microversion header", new DifferentialRequest("compute", HttpMethod.Get, "/servers?name={p}") { Headers = [new("X-OpenStack-Nova-API-Version", "2.10")] });
        await run.CheckAsync("another service's microversion is ignored", new DifferentialRequest("compute", HttpMethod.Get, "/servers?name={p}") { Headers = [new("OpenStack-API-Version", "volume 3.10")] });
    }

    private static async Task FlavorsAsync(DifferentialRun run)
    {
        await run.CheckAsync("flavor show", Nova("GET", "/flavors/{flavor}"), ignore: ["id", "name"]);
        await run.CheckAsync("flavor show 2.61", Nova("GET", "/flavors/{flavor}", "2.61"), ignore: ["id", "name"]);
        await run.CheckAsync("flavor show 2.75", Nova("GET", "/flavors/{flavor}", "2.75"), ignore: ["id", "name"]);
        await run.CheckAsync("flavor extra specs", Nova("GET", "/flavors/{flavor}/os-extra_specs"));
        await run.CheckAsync("flavor list page", Nova("GET", "/flavors?limit=1"), Compare.Shape);
        await run.CheckAsync("flavor detail page", Nova("GET", "/flavors/detail?limit=1", "2.75"), Compare.Shape);
        await run.CheckAsync("flavor list by min ram", Nova("GET", "/flavors?minRam=999999999"));
        await run.CheckAsync("flavor list bad sort", Nova("GET", "/flavors?sort_key=nonsense"));
        await run.CheckAsync("unknown flavor", Nova("GET", "/flavors/no-such-flavor"));
        await run.CheckAsync("flavor create as member", Nova("POST", "/flavors", body: Json("""{"flavor": {"name": "{p}f", "ram": 64, "vcpus": 1, "disk": 1}}""")));
    }

    private static async Task KeypairsAsync(DifferentialRun run)
    {
        string[] keyFields = ["public_key", "private_key", "fingerprint"];
        await run.CheckAsync("keypair generated (2.1)", Nova("POST", "/os-keypairs", body: Json("""{"keypair": {"name": "{p}kp"}}""")), ignore: keyFields);
        await run.CheckAsync("keypair show", Nova("GET", "/os-keypairs/{p}kp"), ignore: keyFields);
        await run.CheckAsync("keypair show 2.2", Nova("GET", "/os-keypairs/{p}kp", "2.2"), ignore: keyFields);
        await run.CheckAsync("keypair duplicate", Nova("POST", "/os-keypairs", body: Json("""{"keypair": {"name": "{p}kp"}}""")));
        await run.CheckAsync("keypair bad name", Nova("POST", "/os-keypairs", body: Json("""{"keypair": {"name": "bad/name"}}""")));
        await run.CheckAsync("keypair x509 (2.2)", Nova("POST", "/os-keypairs", "2.2", Json("""{"keypair": {"name": "{p}x509", "type": "x509"}}""")), ignore: keyFields);
        await run.CheckAsync("keypair x509 show", Nova("GET", "/os-keypairs/{p}x509", "2.2"), ignore: keyFields);
        await run.CheckAsync("keypair bad type", Nova("POST", "/os-keypairs", "2.2", Json("""{"keypair": {"name": "{p}bad", "type": "rsa"}}""")));
        await run.CheckAsync("keypair list page", Nova("GET", "/os-keypairs?limit=1", "2.35"), Compare.Shape);
        await run.CheckAsync("unknown keypair", Nova("GET", "/os-keypairs/{p}none"));
        await run.CheckAsync("keypair delete (2.1)", Nova("DELETE", "/os-keypairs/{p}kp"));
        await run.CheckAsync("keypair delete (2.2)", Nova("DELETE", "/os-keypairs/{p}x509", "2.2"));
        await run.CheckAsync("keypair gone", Nova("DELETE", "/os-keypairs/{p}kp"));
    }

    private static async Task QuotasAsync(DifferentialRun run)
    {
        await run.CheckAsync("limits", Nova("GET", "/limits"), Compare.Shape);
        await run.CheckAsync("limits 2.57", Nova("GET", "/limits", "2.57"), Compare.Shape);
        await run.CheckAsync("quota set", Nova("GET", "/os-quota-sets/{project}"), Compare.Shape);
        await run.CheckAsync("quota set detail", Nova("GET", "/os-quota-sets/{project}/detail", "2.57"), Compare.Shape);
        await run.CheckAsync("quota defaults", Nova("GET", "/os-quota-sets/{project}/defaults"), Compare.Shape);
        await run.CheckAsync("quota update as member", Nova("PUT", "/os-quota-sets/{project}", body: Json("""{"quota_set": {"instances": 5}}""")));
        await run.CheckAsync("quota class default", Nova("GET", "/os-quota-class-sets/default"), Compare.Shape);
        await run.CheckAsync("availability zones", Nova("GET", "/os-availability-zone"), Compare.Shape);
    }

    private static async Task ServerErrorsAsync(DifferentialRun run)
    {
        await run.CheckAsync("unknown server", Nova("GET", "/servers/00000000-0000-4000-8000-000000000000"));
        await run.CheckAsync("server id not a uuid", Nova("GET", "/servers/not-a-uuid"));
        await run.CheckAsync("delete unknown server", Nova("DELETE", "/servers/00000000-0000-4000-8000-000000000000"));
        await run.CheckAsync("action on unknown server", Nova("POST", "/servers/00000000-0000-4000-8000-000000000000/action", body: Json("""{"os-stop": null}""")));
        await run.CheckAsync("malformed boot body", new DifferentialRequest("compute", HttpMethod.Post, "/servers") { RawBody = "{\"server\": " });
        await run.CheckAsync("boot without server", Nova("POST", "/servers", body: Json("""{"nothing": {}}""")));
        await run.CheckAsync("boot without flavor", Nova("POST", "/servers", "2.37", Json("""{"server": {"name": "{p}x", "imageRef": "{image}", "networks": "none"}}""")));
        await run.CheckAsync("boot with a number for name", Nova("POST", "/servers", "2.37", Json("""{"server": {"name": 5, "flavorRef": "{flavor}", "imageRef": "{image}", "networks": "none"}}""")));
        await run.CheckAsync("boot with unknown flavor", Nova("POST", "/servers", "2.37", Json("""{"server": {"name": "{p}x", "flavorRef": "no-such-flavor", "imageRef": "{image}", "networks": "none"}}""")));
        await run.CheckAsync("boot with unknown image", Nova("POST", "/servers", "2.37", Json("""{"server": {"name": "{p}x", "flavorRef": "{flavor}", "imageRef": "00000000-0000-4000-8000-000000000000", "networks": "none"}}""")));
        await run.CheckAsync("boot without networks at 2.37", Nova("POST", "/servers", "2.37", Json("""{"server": {"name": "{p}x", "flavorRef": "{flavor}", "imageRef": "{image}"}}""")));
        await run.CheckAsync("list with bad limit", Nova("GET", "/servers?limit=-1"));
        await run.CheckAsync("list with unknown marker", Nova("GET", "/servers?marker=00000000-0000-4000-8000-000000000000"));
        await run.CheckAsync("list with bad sort key", Nova("GET", "/servers/detail?sort_key=nonsense"));
        await run.CheckAsync("list with bad changes-since", Nova("GET", "/servers?changes-since=yesterday"));
    }

    private static async Task ServersAsync(DifferentialRun run)
    {
        var boot = """{"server": {"name": "{p}vm1", "flavorRef": "{flavor}", "imageRef": "{image}", "availability_zone": "{az}", "networks": "none", "metadata": {"role": "diff"}}}""";
        await run.CheckAsync("boot", Nova("POST", "/servers", "2.37", Json(boot)), ignore: ["adminPass"], capture: "server1=server.id");
        await run.WaitAsync("server 1 active", Nova("GET", "/servers/{server1}"), a => Status(a, "ACTIVE"));

        // Nova's created_at has whole seconds and ties go by its internal id, which a cell gives
        // at scheduling: the second server must be made in a later second for the lists' order
        // to be the same on both sides.
        await DifferentialRun.NextSecondAsync();
        await run.CheckAsync("boot another", Nova("POST", "/servers", "2.37", Json(boot.Replace("vm1", "vm2", StringComparison.Ordinal))), ignore: ["adminPass"], capture: "server2=server.id");
        await run.WaitAsync("server 2 active", Nova("GET", "/servers/{server2}"), a => Status(a, "ACTIVE"));

        foreach (var version in (string?[])[null, "2.9", "2.16", "2.26", "2.47", "2.73", "2.90", "2.96", "latest"])
        {
            await run.CheckAsync($"server show {version ?? "2.1"}", Nova("GET", "/servers/{server1}", version));
        }

        // Lists: every filter and paging form a client uses, narrowed to this run's servers.
        foreach (var query in (string[])[
            "?name={p}", "?name={p}vm1", "?name={p}&limit=1", "?name={p}&limit=2", "?name={p}&marker={server2}",
            "?name={p}&status=ACTIVE", "?name={p}&status=SHUTOFF", "?name={p}&flavor={flavor}", "?name={p}&image={image}",
            "?name={p}&sort_key=display_name&sort_dir=asc", "?name={p}&sort_key=created_at&sort_dir=desc&sort_key=display_name",
            "?name={p}&changes-since=2000-01-01T00:00:00Z", "?name={p}&all_tenants=1", "?name={p}&deleted=true",
            "?name={p}&availability_zone={az}", "?name={p}&locked=false", "?name={p}&unknown_filter=1",
        ])
        {
            await run.CheckAsync("server list " + query, Nova("GET", "/servers" + query));
            await run.CheckAsync("server detail " + query, Nova("GET", "/servers/detail" + query, "2.73"));
        }

        await run.CheckAsync("server list with unknown filter (2.1)", Nova("GET", "/servers/detail?name={p}&not_a_filter=1"));
        await run.CheckAsync("server rename", Nova("PUT", "/servers/{server2}", body: Json("""{"server": {"name": "{p}vm2", "description": "d"}}""")), capture: []);
        await run.CheckAsync("server rename 2.19", Nova("PUT", "/servers/{server2}", "2.19", Json("""{"server": {"description": "described"}}""")));
        await run.CheckAsync("server update wrong field", Nova("PUT", "/servers/{server2}", body: Json("""{"server": {"flavorRef": "1"}}""")));

        // Metadata and tags.
        await run.CheckAsync("metadata list", Nova("GET", "/servers/{server1}/metadata"));
        await run.CheckAsync("metadata update", Nova("POST", "/servers/{server1}/metadata", body: Json("""{"metadata": {"a": "1"}}""")));
        await run.CheckAsync("metadata item", Nova("GET", "/servers/{server1}/metadata/a"));
        await run.CheckAsync("metadata set item", Nova("PUT", "/servers/{server1}/metadata/b", body: Json("""{"meta": {"b": "2"}}""")));
        await run.CheckAsync("metadata delete item", Nova("DELETE", "/servers/{server1}/metadata/a"));
        await run.CheckAsync("metadata unknown item", Nova("GET", "/servers/{server1}/metadata/a"));
        await run.CheckAsync("tag add", Nova("PUT", "/servers/{server1}/tags/blue", "2.26"));
        await run.CheckAsync("tags", Nova("GET", "/servers/{server1}/tags", "2.26"));
        await run.CheckAsync("tag check", Nova("GET", "/servers/{server1}/tags/blue", "2.26"));
        await run.CheckAsync("list by tag", Nova("GET", "/servers?name={p}&tags=blue", "2.26"));
        await run.CheckAsync("list without tag", Nova("GET", "/servers?name={p}&not-tags=blue", "2.26"));
        await run.CheckAsync("tags before 2.26", Nova("GET", "/servers/{server1}/tags"));

        // Addresses.
        await run.CheckAsync("ips", Nova("GET", "/servers/{server1}/ips"));
        await run.CheckAsync("ips of an unknown network", Nova("GET", "/servers/{server1}/ips/no-such-network"));

        // Actions, and the events they leave.
        await run.CheckAsync("stop", Nova("POST", "/servers/{server1}/action", body: Json("""{"os-stop": null}""")), capture: "stop=header:x-compute-request-id");
        await run.WaitAsync("stopped", Nova("GET", "/servers/{server1}"), a => Status(a, "SHUTOFF"));
        await run.CheckAsync("stop when stopped", Nova("POST", "/servers/{server1}/action", body: Json("""{"os-stop": null}""")));
        await run.CheckAsync("server list stopped", Nova("GET", "/servers?name={p}&status=SHUTOFF"));
        await run.CheckAsync("start", Nova("POST", "/servers/{server1}/action", body: Json("""{"os-start": null}""")));
        await run.WaitAsync("started", Nova("GET", "/servers/{server1}"), a => Status(a, "ACTIVE"));
        await run.CheckAsync("reboot", Nova("POST", "/servers/{server1}/action", body: Json("""{"reboot": {"type": "SOFT"}}""")));
        await run.WaitAsync("rebooted", Nova("GET", "/servers/{server1}"), a => Status(a, "ACTIVE") && a.At("server.OS-EXT-STS:task_state") is null or "null");
        await run.CheckAsync("reboot with bad type", Nova("POST", "/servers/{server1}/action", body: Json("""{"reboot": {"type": "GENTLE"}}""")));
        await run.CheckAsync("unknown action", Nova("POST", "/servers/{server1}/action", body: Json("""{"os-fly": null}""")));
        await run.CheckAsync("console output", Nova("POST", "/servers/{server1}/action", body: Json("""{"os-getConsoleOutput": {"length": 5}}""")), Compare.Shape);
        await run.CheckAsync("lock", Nova("POST", "/servers/{server1}/action", "2.73", Json("""{"lock": {"locked_reason": "diff"}}""")));
        await run.CheckAsync("locked show", Nova("GET", "/servers/{server1}", "2.73"));
        await run.CheckAsync("unlock", Nova("POST", "/servers/{server1}/action", body: Json("""{"unlock": null}""")));
        await run.CheckAsync("instance actions", Nova("GET", "/servers/{server1}/os-instance-actions"));
        await run.CheckAsync("instance actions 2.58 page", Nova("GET", "/servers/{server1}/os-instance-actions?limit=1", "2.58"));
        await run.CheckAsync("instance action", Nova("GET", "/servers/{server1}/os-instance-actions/{stop}"));
        await run.CheckAsync("instance action 2.51", Nova("GET", "/servers/{server1}/os-instance-actions/{stop}", "2.51"));
        await run.CheckAsync("unknown instance action", Nova("GET", "/servers/{server1}/os-instance-actions/req-00000000-0000-4000-8000-000000000000"));
        await run.CheckAsync("server security groups", Nova("GET", "/servers/{server1}/os-security-groups"));
        await run.CheckAsync("server diagnostics as member", Nova("GET", "/servers/{server1}/diagnostics"));

        // Deletes, and what is seen once the region has finished them.
        await run.CheckAsync("force delete when not soft-deleted", Nova("POST", "/servers/{server2}/action", body: Json("""{"forceDelete": null}""")));
        await run.CheckAsync("delete", Nova("DELETE", "/servers/{server1}"));
        await run.WaitAsync("deleted", Nova("GET", "/servers/{server1}"), a => a.Status == 404);
        await run.CheckAsync("deleted server", Nova("GET", "/servers/{server1}"));
        await run.CheckAsync("deleted server's actions (2.21)", Nova("GET", "/servers/{server1}/os-instance-actions", "2.21"));
        await run.CheckAsync("deleted server's action (2.21)", Nova("GET", "/servers/{server1}/os-instance-actions/{stop}", "2.21"));
        await run.CheckAsync("deleted server's actions (2.1)", Nova("GET", "/servers/{server1}/os-instance-actions"));
        await run.CheckAsync("list after delete", Nova("GET", "/servers?name={p}"));
        await run.CheckAsync("delete again", Nova("DELETE", "/servers/{server1}"));
        await run.CheckAsync("delete the other", Nova("DELETE", "/servers/{server2}"));
        await run.WaitAsync("other deleted", Nova("GET", "/servers/{server2}"), a => a.Status == 404);
        await run.CheckAsync("list when all deleted", Nova("GET", "/servers/detail?name={p}"));
    }

    private static async Task ServerGroupsAsync(DifferentialRun run)
    {
        await run.CheckAsync("server group create", Nova("POST", "/os-server-groups", body: Json("""{"server_group": {"name": "{p}g1", "policies": ["anti-affinity"]}}""")), capture: "group1=server_group.id");
        await run.CheckAsync("server group create 2.64", Nova("POST", "/os-server-groups", "2.64", Json("""{"server_group": {"name": "{p}g2", "policy": "affinity"}}""")), capture: "group2=server_group.id");
        await run.CheckAsync("server group bad policy", Nova("POST", "/os-server-groups", "2.64", Json("""{"server_group": {"name": "{p}g3", "policy": "together"}}""")));
        await run.CheckAsync("server group show", Nova("GET", "/os-server-groups/{group1}"));
        await run.CheckAsync("server group show 2.64", Nova("GET", "/os-server-groups/{group2}", "2.64"));
        await run.CheckAsync("server group list", Nova("GET", "/os-server-groups?limit=1"), Compare.Shape);
        await run.CheckAsync("server group delete", Nova("DELETE", "/os-server-groups/{group1}"));
        await run.CheckAsync("server group delete 2.64", Nova("DELETE", "/os-server-groups/{group2}", "2.64"));
        await run.CheckAsync("server group gone", Nova("GET", "/os-server-groups/{group1}"));
    }
}
