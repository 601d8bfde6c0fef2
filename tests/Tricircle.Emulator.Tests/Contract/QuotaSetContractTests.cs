using System.Net;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>
/// Nova's and Cinder's os-quota-sets and Nova's limits on the wire: what each microversion drops,
/// the detail and usage views (limit, in_use, reserved), and the admin-only writes refused to a
/// member with 403. Only reads and refused writes: a real region's quotas are never changed.
/// </summary>
public sealed class QuotaSetContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private Task<ContractResponse> Nova(HttpMethod method, string path, string token, JsonNode? body = null, string microversion = "2.1") =>
        target.SendAsync(method, target.Compute, path, token, body, new Dictionary<string, string> { ["OpenStack-API-Version"] = "compute " + microversion });

    [Fact]
    public async Task NovaLimits_MaxImageMetaUntil238_NetworkKeysUntil235_PersonalityUntil256()
    {
        async Task<JsonObject> Absolute(string version) =>
            (await Nova(HttpMethod.Get, "/limits", target.DemoToken, microversion: version)).Expect(HttpStatusCode.OK)["limits"]!["absolute"]!.AsObject();

        var at21 = await Absolute("2.1");
        Assert.True(at21.ContainsKey("maxImageMeta") && at21.ContainsKey("maxSecurityGroups") && at21.ContainsKey("maxPersonality"), at21.ToJsonString());
        var at236 = await Absolute("2.36");
        Assert.True(at236.ContainsKey("maxImageMeta") && !at236.ContainsKey("maxSecurityGroups") && !at236.ContainsKey("maxTotalFloatingIps"), at236.ToJsonString());
        var at239 = await Absolute("2.39");
        Assert.True(!at239.ContainsKey("maxImageMeta") && at239.ContainsKey("maxServerMeta") && at239.ContainsKey("maxPersonality"), at239.ToJsonString());
        var at257 = await Absolute("2.57");
        Assert.True(!at257.ContainsKey("maxImageMeta") && !at257.ContainsKey("maxPersonality") && !at257.ContainsKey("maxPersonalitySize") && at257.ContainsKey("maxServerGroups"), at257.ToJsonString());
    }

    [Fact]
    public async Task NovaQuotaDetail_OwnerSeesLimitInUseReserved_KeysByMicroversion()
    {
        var detail = (await Nova(HttpMethod.Get, $"/os-quota-sets/{target.DemoProjectId}/detail", target.DemoToken, microversion: "2.57")).Expect(HttpStatusCode.OK)["quota_set"]!.AsObject();
        Assert.Equal(target.DemoProjectId, detail["id"]!.GetValue<string>());
        foreach (var key in new[] { "instances", "cores", "ram", "key_pairs", "metadata_items", "server_groups", "server_group_members" })
        {
            var entry = Assert.IsType<JsonObject>(detail[key], exactMatch: false);
            Assert.True(entry.ContainsKey("limit") && entry.ContainsKey("in_use") && entry.ContainsKey("reserved"), key + ": " + entry.ToJsonString());
        }

        Assert.False(detail.ContainsKey("injected_files") || detail.ContainsKey("floating_ips"), detail.ToJsonString());
        var at21 = (await Nova(HttpMethod.Get, $"/os-quota-sets/{target.DemoProjectId}/detail", target.DemoToken)).Expect(HttpStatusCode.OK)["quota_set"]!.AsObject();
        Assert.True(at21.ContainsKey("floating_ips") && at21.ContainsKey("injected_files"), at21.ToJsonString());

        var others = await Nova(HttpMethod.Get, $"/os-quota-sets/{target.AdminProjectId}/detail", target.DemoToken);
        Assert.Equal(HttpStatusCode.Forbidden, others.Status);
    }

    [Fact]
    public async Task NovaQuotaUpdateAndDelete_AsMember_Are403ByPolicy()
    {
        var update = await Nova(HttpMethod.Put, $"/os-quota-sets/{target.DemoProjectId}", target.DemoToken, new JsonObject { ["quota_set"] = new JsonObject { ["instances"] = 5 } });
        Assert.Equal(HttpStatusCode.Forbidden, update.Status);
        Assert.Equal("Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.", update.Json["forbidden"]!["message"]!.GetValue<string>());
        var delete = await Nova(HttpMethod.Delete, $"/os-quota-sets/{target.DemoProjectId}", target.DemoToken);
        Assert.Equal(HttpStatusCode.Forbidden, delete.Status);
        Assert.Equal("Policy doesn't allow os_compute_api:os-quota-sets:delete to be performed.", delete.Json["forbidden"]!["message"]!.GetValue<string>());

        // The body's schema is checked before the policy.
        Assert.Equal(HttpStatusCode.BadRequest, (await Nova(HttpMethod.Put, $"/os-quota-sets/{target.DemoProjectId}", target.DemoToken, new JsonObject { ["quota_set"] = new JsonObject { ["bogus"] = 5 } })).Status);
    }

    [Fact]
    public async Task CinderQuotaSet_UsageTrue_EachKeyLimitInUseReserved_UpdateAndDeleteAsMemberAre403()
    {
        var plain = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/os-quota-sets/{target.DemoProjectId}", target.DemoToken)).Expect(HttpStatusCode.OK)["quota_set"]!.AsObject();
        var usage = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/os-quota-sets/{target.DemoProjectId}?usage=true", target.DemoToken)).Expect(HttpStatusCode.OK)["quota_set"]!.AsObject();
        Assert.Equal(target.DemoProjectId, usage["id"]!.GetValue<string>());
        Assert.Equal(plain.Select(p => p.Key).Order(StringComparer.Ordinal), usage.Select(p => p.Key).Order(StringComparer.Ordinal));
        foreach (var (key, value) in usage.Where(p => p.Key != "id"))
        {
            var entry = Assert.IsType<JsonObject>(value, exactMatch: false);
            Assert.Equal(["in_use", "limit", "reserved"], entry.Select(p => p.Key).Order(StringComparer.Ordinal));
            Assert.Equal(plain[key]!.GetValue<long>(), entry["limit"]!.GetValue<long>());
        }

        var notBool = await target.SendAsync(HttpMethod.Get, target.DemoVolume, $"/os-quota-sets/{target.DemoProjectId}?usage=maybe", target.DemoToken);
        Assert.Equal(HttpStatusCode.BadRequest, notBool.Status);

        var update = await target.SendAsync(HttpMethod.Put, target.DemoVolume, $"/os-quota-sets/{target.DemoProjectId}", target.DemoToken, new JsonObject { ["quota_set"] = new JsonObject { ["volumes"] = 5 } });
        Assert.Equal(HttpStatusCode.Forbidden, update.Status);
        Assert.Equal("Policy doesn't allow volume_extension:quotas:update to be performed.", update.Json["forbidden"]!["message"]!.GetValue<string>());
        var delete = await target.SendAsync(HttpMethod.Delete, target.DemoVolume, $"/os-quota-sets/{target.DemoProjectId}", target.DemoToken);
        Assert.Equal(HttpStatusCode.Forbidden, delete.Status);
    }
}
