using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>
/// Nova's server groups, instance actions and migrations on the wire (so they judge a real region
/// too). Host counts differ (a lab region has one compute host, the emulator two by default), so
/// a cold migration is accepted and either done or ended in error (one host): either is checked.
/// </summary>
public sealed class NovaServerGroupsContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private Task<ContractResponse> Nova(HttpMethod method, string path, string? token, JsonNode? body = null, string? microversion = null) =>
        target.SendAsync(method, target.Compute, path, token, body, microversion is null ? null : new Dictionary<string, string> { ["OpenStack-API-Version"] = "compute " + microversion });

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    private async Task<string> ImageIdAsync()
    {
        var images = (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images?status=active&visibility=public", target.AdminToken)).Expect(HttpStatusCode.OK)["images"]!.AsArray();
        var image = images.FirstOrDefault(i => Str(i!["name"]).StartsWith("cirros", StringComparison.Ordinal)) ?? images.First();
        return Str(image!["id"]);
    }

    private async Task<(string Id, ContractResponse Response)> BootAsync(string token, string name, string? group = null)
    {
        var body = new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = name, ["imageRef"] = await ImageIdAsync(), ["flavorRef"] = "1", ["networks"] = "none" },
        };
        if (group is not null)
        {
            body["os:scheduler_hints"] = new JsonObject { ["group"] = group };
        }

        var response = await Nova(HttpMethod.Post, "/servers", token, body, "2.37");
        return (Str(response.Expect(HttpStatusCode.Accepted)["server"]!["id"]), response);
    }

    private Task<JsonNode> ActiveAsync(string id, string token) =>
        ContractTarget.EventuallyAsync(async () =>
        {
            var server = (await Nova(HttpMethod.Get, "/servers/" + id, token)).Expect(HttpStatusCode.OK)["server"]!;
            var status = Str(server["status"]);
            Assert.NotEqual("ERROR", status);
            return (status == "ACTIVE", server);
        }, $"server {id} ACTIVE");

    private async Task DeleteServerAsync(string id)
    {
        await Nova(HttpMethod.Delete, "/servers/" + id, target.AdminToken);
        await ContractTarget.EventuallyAsync(async () => ((await Nova(HttpMethod.Get, "/servers/" + id, target.AdminToken)).Status == HttpStatusCode.NotFound, true), $"server {id} gone");
    }

    [Fact]
    public async Task ServerGroups_ShapesByMicroversion_Refusals_AndAnotherProjectsIsNotFound()
    {
        var created = (await Nova(HttpMethod.Post, "/os-server-groups", target.DemoToken, new JsonObject { ["server_group"] = new JsonObject { ["name"] = Unique("sg"), ["policy"] = "anti-affinity", ["rules"] = new JsonObject { ["max_server_per_host"] = 1 } } }, "2.64"))
            .Expect(HttpStatusCode.OK)["server_group"]!;
        var id = Str(created["id"]);
        try
        {
            Assert.Equal("anti-affinity", Str(created["policy"]));
            Assert.Equal(1, created["rules"]!["max_server_per_host"]!.GetValue<int>());
            Assert.Empty(created["members"]!.AsArray());
            Assert.Equal(target.DemoProjectId, Str(created["project_id"]));

            var old = (await Nova(HttpMethod.Get, "/os-server-groups/" + id, target.DemoToken)).Expect(HttpStatusCode.OK)["server_group"]!;
            Assert.Equal("anti-affinity", Str(old["policies"]![0]));
            Assert.NotNull(old["metadata"]);
            Assert.Null(old["policy"]);
            Assert.Null(old["project_id"]);
            Assert.Contains((await Nova(HttpMethod.Get, "/os-server-groups", target.DemoToken)).Expect(HttpStatusCode.OK)["server_groups"]!.AsArray(), g => Str(g!["id"]) == id);

            var refused = await Nova(HttpMethod.Post, "/os-server-groups", target.DemoToken, new JsonObject { ["server_group"] = new JsonObject { ["name"] = "x", ["policy"] = "affinity", ["rules"] = new JsonObject { ["max_server_per_host"] = 2 } } }, "2.64");
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Equal("Only anti-affinity policy supports rules.", Str(refused.Json["badRequest"]!["message"]));
            Assert.Equal(HttpStatusCode.BadRequest, (await Nova(HttpMethod.Post, "/os-server-groups", target.DemoToken, new JsonObject { ["server_group"] = new JsonObject { ["name"] = "x", ["policies"] = new JsonArray("soft-affinity") } }, "2.14")).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await Nova(HttpMethod.Post, "/os-server-groups", target.DemoToken, new JsonObject { ["server_group"] = new JsonObject { ["name"] = "x", ["policy"] = "affinity" } }, "2.63")).Status);

            // The admin's group, asked for by the demo member: Nova's query is the member's project's, so it is not found.
            var admins = Str((await Nova(HttpMethod.Post, "/os-server-groups", target.AdminToken, new JsonObject { ["server_group"] = new JsonObject { ["name"] = Unique("sga"), ["policies"] = new JsonArray("affinity") } })).Expect(HttpStatusCode.OK)["server_group"]!["id"]);
            var hidden = await Nova(HttpMethod.Get, "/os-server-groups/" + admins, target.DemoToken);
            Assert.Equal(HttpStatusCode.NotFound, hidden.Status);
            Assert.Equal($"Instance group {admins} could not be found.", Str(hidden.Json["itemNotFound"]!["message"]));
            Assert.Equal(HttpStatusCode.NoContent, (await Nova(HttpMethod.Delete, "/os-server-groups/" + admins, target.AdminToken)).Status);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.NoContent, (await Nova(HttpMethod.Delete, "/os-server-groups/" + id, target.DemoToken)).Status);
        }

        var gone = await Nova(HttpMethod.Get, "/os-server-groups/" + id, target.DemoToken);
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.Equal($"Instance group {id} could not be found.", Str(gone.Json["itemNotFound"]!["message"]));
    }

    [Fact]
    public async Task GroupHint_MakesAMember_ABadOrUnknownGroupIs400()
    {
        var group = Str((await Nova(HttpMethod.Post, "/os-server-groups", target.DemoToken, new JsonObject { ["server_group"] = new JsonObject { ["name"] = Unique("sgh"), ["policy"] = "affinity" } }, "2.64")).Expect(HttpStatusCode.OK)["server_group"]!["id"]);
        var (server, _) = await BootAsync(target.DemoToken, Unique("sgh"), group);
        try
        {
            await ActiveAsync(server, target.DemoToken);
            var members = (await Nova(HttpMethod.Get, "/os-server-groups/" + group, target.DemoToken)).Expect(HttpStatusCode.OK)["server_group"]!["members"]!.AsArray();
            Assert.Equal([server], members.Select(m => Str(m)));

            var image = await ImageIdAsync();
            JsonObject Hinted(string hint) => new()
            {
                ["server"] = new JsonObject { ["name"] = "x", ["imageRef"] = image, ["flavorRef"] = "1", ["networks"] = "none" },
                ["os:scheduler_hints"] = new JsonObject { ["group"] = hint },
            };
            Assert.Equal(HttpStatusCode.BadRequest, (await Nova(HttpMethod.Post, "/servers", target.DemoToken, Hinted("not-a-uuid"), "2.37")).Status);
            var unknown = Guid.NewGuid().ToString();
            var missing = await Nova(HttpMethod.Post, "/servers", target.DemoToken, Hinted(unknown), "2.37");
            Assert.Equal(HttpStatusCode.BadRequest, missing.Status);
            Assert.Contains(unknown, Str(missing.Json["badRequest"]!["message"]), StringComparison.Ordinal);
        }
        finally
        {
            await DeleteServerAsync(server);
            Assert.Empty((await Nova(HttpMethod.Get, "/os-server-groups/" + group, target.DemoToken)).Expect(HttpStatusCode.OK)["server_group"]!["members"]!.AsArray());
            await Nova(HttpMethod.Delete, "/os-server-groups/" + group, target.DemoToken);
        }
    }

    [Fact]
    public async Task InstanceActions_RecordTheCallsRequestIds_EventsByRoleAndMicroversion()
    {
        var (server, created) = await BootAsync(target.DemoToken, Unique("ia"));
        try
        {
            await ActiveAsync(server, target.DemoToken);
            var stop = await Nova(HttpMethod.Post, $"/servers/{server}/action", target.DemoToken, new JsonObject { ["os-stop"] = null });
            Assert.Equal(HttpStatusCode.Accepted, stop.Status);
            await ContractTarget.EventuallyAsync(async () => (Str((await Nova(HttpMethod.Get, "/servers/" + server, target.DemoToken)).Json["server"]!["status"]) == "SHUTOFF", true), "SHUTOFF");

            var actions = (await Nova(HttpMethod.Get, $"/servers/{server}/os-instance-actions", target.DemoToken)).Expect(HttpStatusCode.OK)["instanceActions"]!.AsArray();
            Assert.Equal(["stop", "create"], actions.Select(a => Str(a!["action"])));
            var createAction = actions[1]!;
            Assert.Equal(created.Headers.GetValues("x-openstack-request-id").Single(), Str(createAction["request_id"]));
            Assert.Equal(stop.Headers.GetValues("x-openstack-request-id").Single(), Str(actions[0]!["request_id"]));
            Assert.Equal(server, Str(createAction["instance_uuid"]));
            Assert.Equal(target.DemoProjectId, Str(createAction["project_id"]));
            Assert.Null(createAction["updated_at"]);

            var path = $"/servers/{server}/os-instance-actions/{Str(createAction["request_id"])}";
            Assert.Null((await Nova(HttpMethod.Get, path, target.DemoToken)).Expect(HttpStatusCode.OK)["instanceAction"]!["events"]);
            var memberEvents = (await Nova(HttpMethod.Get, path, target.DemoToken, microversion: "2.51")).Expect(HttpStatusCode.OK)["instanceAction"]!["events"]!.AsArray();
            Assert.NotEmpty(memberEvents);
            Assert.All(memberEvents, e => Assert.False(e!.AsObject().ContainsKey("traceback")));
            var adminEvents = (await Nova(HttpMethod.Get, path, target.AdminToken, microversion: "2.62")).Expect(HttpStatusCode.OK)["instanceAction"]!["events"]!.AsArray();
            Assert.All(adminEvents, e => Assert.True(e!.AsObject().ContainsKey("traceback") && e.AsObject().ContainsKey("host") && e.AsObject().ContainsKey("hostId")));
            Assert.Contains(adminEvents, e => Str(e!["event"]) == "compute__do_build_and_run_instance" && Str(e["result"]) == "Success");
            Assert.NotNull((await Nova(HttpMethod.Get, $"/servers/{server}/os-instance-actions", target.DemoToken, microversion: "2.58")).Expect(HttpStatusCode.OK)["instanceActions"]![0]!["updated_at"]);

            var missing = await Nova(HttpMethod.Get, $"/servers/{server}/os-instance-actions/req-{Guid.NewGuid()}", target.DemoToken);
            Assert.Equal(HttpStatusCode.NotFound, missing.Status);
            Assert.StartsWith("Action req-", Str(missing.Json["itemNotFound"]!["message"]), StringComparison.Ordinal);
        }
        finally
        {
            await DeleteServerAsync(server);
        }

        // 2.21: a deleted server's actions are still listed.
        var deleted = (await Nova(HttpMethod.Get, $"/servers/{server}/os-instance-actions", target.DemoToken, microversion: "2.21")).Expect(HttpStatusCode.OK)["instanceActions"]!.AsArray();
        Assert.Equal("delete", Str(deleted[0]!["action"]));
        Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, $"/servers/{server}/os-instance-actions", target.DemoToken, microversion: "2.20")).Status);
    }

    [Fact]
    public async Task Migrate_IsAdminOnly_Accepted_AndMovesTheServerOrEndsInError()
    {
        var (server, _) = await BootAsync(target.DemoToken, Unique("mig"));
        try
        {
            var before = (await ActiveAsync(server, target.AdminToken))["OS-EXT-SRV-ATTR:host"]!.GetValue<string>();
            var denied = await Nova(HttpMethod.Post, $"/servers/{server}/action", target.DemoToken, new JsonObject { ["migrate"] = null });
            Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
            Assert.StartsWith("Policy doesn't allow os_compute_api:os-migrate-server:migrate", Str(denied.Json["forbidden"]!["message"]), StringComparison.Ordinal);

            // Zed casts a cold migration: always accepted. A region with another host moves the
            // server to VERIFY_RESIZE; one with a single host (the lab's) ends the migration in
            // error, the server untouched.
            var migrated = await Nova(HttpMethod.Post, $"/servers/{server}/action", target.AdminToken, new JsonObject { ["migrate"] = null });
            Assert.Equal(HttpStatusCode.Accepted, migrated.Status);
            var (shown, migration) = await ContractTarget.EventuallyAsync(async () =>
            {
                var shown = (await Nova(HttpMethod.Get, "/servers/" + server, target.AdminToken)).Json["server"]!;
                var migrations = (await Nova(HttpMethod.Get, "/os-migrations?instance_uuid=" + server, target.AdminToken, microversion: "2.59")).Expect(HttpStatusCode.OK)["migrations"]!.AsArray();
                var last = migrations.Count > 0 ? migrations[0] : null;
                return (Str(shown["status"]) == "VERIFY_RESIZE" || (last is not null && Str(last["status"]) == "error"), (shown, last));
            }, "VERIFY_RESIZE or a migration in error");
            Assert.NotNull(migration);
            Assert.Equal("migration", Str(migration["migration_type"]));
            Assert.Equal(before, Str(migration["source_compute"]));
            Assert.NotNull(migration["uuid"]);
            if (Str(shown["status"]) == "VERIFY_RESIZE")
            {
                Assert.NotEqual(before, shown["OS-EXT-SRV-ATTR:host"]!.GetValue<string>());
                Assert.Equal(HttpStatusCode.NoContent, (await Nova(HttpMethod.Post, $"/servers/{server}/action", target.AdminToken, new JsonObject { ["confirmResize"] = null })).Status);
            }
            else
            {
                var stays = await ContractTarget.EventuallyAsync(async () =>
                {
                    var now = (await Nova(HttpMethod.Get, "/servers/" + server, target.AdminToken)).Json["server"]!;
                    return (Str(now["status"]) == "ACTIVE", now); // RESIZE a moment longer, until the conductor puts it back
                }, "ACTIVE again");
                Assert.Equal(before, stays["OS-EXT-SRV-ATTR:host"]!.GetValue<string>());
            }

            var forbidden = await Nova(HttpMethod.Get, "/os-migrations", target.DemoToken);
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.Status);
            Assert.StartsWith("Policy doesn't allow os_compute_api:os-migrations:index", Str(forbidden.Json["forbidden"]!["message"]), StringComparison.Ordinal);
        }
        finally
        {
            await DeleteServerAsync(server);
        }
    }
}
