using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>
/// Nova's and Cinder's os-quota-class-sets on the wire (admin only; the keys per microversion;
/// the default class is what a project's defaults show). Against a real region the default class
/// is changed for a moment and always restored.
/// </summary>
public sealed class QuotaClassContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private Task<ContractResponse> Nova(HttpMethod method, string path, string token, JsonNode? body = null, string microversion = "2.1") =>
        target.SendAsync(method, target.Compute, path, token, body, new Dictionary<string, string> { ["OpenStack-API-Version"] = "compute " + microversion });

    [Fact]
    public async Task NovaQuotaClass_KeysByMicroversion_AdminOnly_DefaultClassIsTheDefaults()
    {
        var at21 = (await Nova(HttpMethod.Get, "/os-quota-class-sets/default", target.AdminToken)).Expect(HttpStatusCode.OK)["quota_class_set"]!.AsObject();
        Assert.Equal("default", at21["id"]!.GetValue<string>());
        Assert.True(at21.ContainsKey("injected_files") && at21.ContainsKey("floating_ips") && !at21.ContainsKey("server_groups"), at21.ToJsonString());
        var at257 = (await Nova(HttpMethod.Get, "/os-quota-class-sets/default", target.AdminToken, microversion: "2.57")).Expect(HttpStatusCode.OK)["quota_class_set"]!.AsObject();
        Assert.True(at257.ContainsKey("server_groups") && at257.ContainsKey("server_group_members") && !at257.ContainsKey("injected_files") && !at257.ContainsKey("floating_ips"), at257.ToJsonString());

        Assert.Equal(HttpStatusCode.Forbidden, (await Nova(HttpMethod.Get, "/os-quota-class-sets/default", target.DemoToken)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await Nova(HttpMethod.Put, "/os-quota-class-sets/default", target.DemoToken, new JsonObject { ["quota_class_set"] = new JsonObject { ["instances"] = 1 } })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await Nova(HttpMethod.Put, "/os-quota-class-sets/default", target.AdminToken, new JsonObject { ["quota_class_set"] = new JsonObject { ["floating_ips"] = 1 } }, "2.57")).Status);

        var groups = at257["server_groups"]!.GetValue<long>();
        try
        {
            var updated = (await Nova(HttpMethod.Put, "/os-quota-class-sets/default", target.AdminToken, new JsonObject { ["quota_class_set"] = new JsonObject { ["server_groups"] = groups + 1 } }, "2.57"))
                .Expect(HttpStatusCode.OK)["quota_class_set"]!.AsObject();
            Assert.False(updated.ContainsKey("id"));
            Assert.Equal(groups + 1, updated["server_groups"]!.GetValue<long>());
            var defaults = (await Nova(HttpMethod.Get, $"/os-quota-sets/{target.DemoProjectId}/defaults", target.DemoToken, microversion: "2.57")).Expect(HttpStatusCode.OK)["quota_set"]!;
            Assert.Equal(groups + 1, defaults["server_groups"]!.GetValue<long>());
        }
        finally
        {
            (await Nova(HttpMethod.Put, "/os-quota-class-sets/default", target.AdminToken, new JsonObject { ["quota_class_set"] = new JsonObject { ["server_groups"] = groups } }, "2.57")).Expect(HttpStatusCode.OK);
        }
    }

    [Fact]
    public async Task CinderQuotaClass_AdminOnly_BadKeysRefused_DefaultClassIsTheDefaults()
    {
        var shown = (await target.SendAsync(HttpMethod.Get, target.Volume, "/os-quota-class-sets/default", target.AdminToken)).Expect(HttpStatusCode.OK)["quota_class_set"]!.AsObject();
        Assert.Equal("default", shown["id"]!.GetValue<string>());
        foreach (var key in new[] { "volumes", "gigabytes", "snapshots", "backups", "backup_gigabytes", "per_volume_gigabytes", "groups" })
        {
            Assert.True(shown.ContainsKey(key), key);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/os-quota-class-sets/default", target.DemoToken)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await target.SendAsync(HttpMethod.Put, target.Volume, "/os-quota-class-sets/default", target.AdminToken, new JsonObject { ["quota_class_set"] = new JsonObject { ["bogus"] = 1 } })).Status);

        var groups = shown["groups"]!.GetValue<long>();
        try
        {
            var updated = (await target.SendAsync(HttpMethod.Put, target.Volume, "/os-quota-class-sets/default", target.AdminToken, new JsonObject { ["quota_class_set"] = new JsonObject { ["groups"] = groups + 1 } }))
                .Expect(HttpStatusCode.OK)["quota_class_set"]!.AsObject();
            Assert.Equal(groups + 1, updated["groups"]!.GetValue<long>());
            var defaults = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/os-quota-sets/{target.DemoProjectId}/defaults", target.DemoToken)).Expect(HttpStatusCode.OK)["quota_set"]!;
            Assert.Equal(groups + 1, defaults["groups"]!.GetValue<long>());
        }
        finally
        {
            (await target.SendAsync(HttpMethod.Put, target.Volume, "/os-quota-class-sets/default", target.AdminToken, new JsonObject { ["quota_class_set"] = new JsonObject { ["groups"] = groups } })).Expect(HttpStatusCode.OK);
        }
    }
}
