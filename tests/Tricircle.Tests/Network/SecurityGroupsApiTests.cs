using System.Net;
using System.Text.Json;
using Dapper;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>The central Neutron's security groups and rules: default group, isolation, validation, duplicates, quotas.</summary>
public abstract class SecurityGroupsApiTests(GatewayFixture gateway)
{
    [Fact]
    public async Task FirstList_MakesTheDefaultGroup_WithNeutronsDefaultRules()
    {
        var (token, project) = Tenant();

        var listed = await gateway.NetworkAsync(HttpMethod.Get, "security-groups", token);

        listed.AssertOk();
        var group = Assert.Single(listed.Json.GetProperty("security_groups").EnumerateArray());
        Assert.Equal("default", group.GetProperty("name").GetString());
        Assert.Equal(project, group.GetProperty("project_id").GetString());
        Assert.Equal(project, group.GetProperty("tenant_id").GetString());
        var id = group.GetProperty("id").GetString();
        var rules = group.GetProperty("security_group_rules").EnumerateArray()
            .Select(r => (Direction: r.GetProperty("direction").GetString(), Ethertype: r.GetProperty("ethertype").GetString(), Remote: r.GetProperty("remote_group_id").GetString(), Protocol: r.GetProperty("protocol").GetString()))
            .OrderBy(r => r.Direction, StringComparer.Ordinal).ThenBy(r => r.Ethertype, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(
            [("egress", "IPv4", null, null), ("egress", "IPv6", null, null), ("ingress", "IPv4", id, null), ("ingress", "IPv6", id, null)],
            rules);

        // Later uses find it, not another.
        var again = await gateway.NetworkAsync(HttpMethod.Get, "security-groups?name=default", token);
        Assert.Equal(id, Assert.Single(again.Json.GetProperty("security_groups").EnumerateArray()).GetProperty("id").GetString());
    }

    [Fact]
    public async Task ConcurrentFirstUses_MakeOneDefaultGroup()
    {
        var (token, _) = Tenant();

        var uses = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => i % 2 == 0
            ? gateway.NetworkAsync(HttpMethod.Get, "security-groups", token)
            : gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "g" + i } }))));

        Assert.All(uses, u => Assert.True(u.Status is HttpStatusCode.OK or HttpStatusCode.Created, u.Text));
        var listed = await gateway.NetworkAsync(HttpMethod.Get, "security-groups?name=default", token);
        Assert.Single(listed.Json.GetProperty("security_groups").EnumerateArray());
    }

    [Fact]
    public async Task Group_CreateShowUpdateListDelete()
    {
        var (token, project) = Tenant();

        var created = await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "web", description = "web servers" } }));

        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        var group = created.Json.GetProperty("security_group");
        var id = group.GetProperty("id").GetString()!;
        Assert.Equal("web servers", group.GetProperty("description").GetString());
        Assert.True(group.GetProperty("stateful").GetBoolean());
        Assert.Equal(project, group.GetProperty("project_id").GetString());
        Assert.EndsWith("Z", group.GetProperty("created_at").GetString(), StringComparison.Ordinal);
        var egress = group.GetProperty("security_group_rules").EnumerateArray().ToList();
        Assert.Equal(2, egress.Count);
        Assert.All(egress, r => Assert.Equal("egress", r.GetProperty("direction").GetString()));

        var shown = await gateway.NetworkAsync(HttpMethod.Get, "security-groups/" + id + "?fields=name&fields=id", token);
        shown.AssertOk();
        Assert.Equal(["id", "name"], shown.Json.GetProperty("security_group").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        var updated = await gateway.NetworkAsync(HttpMethod.Put, "security-groups/" + id, token, Json(new { security_group = new { name = "web2", description = "changed", stateful = false } }));
        updated.AssertOk();
        var after = updated.Json.GetProperty("security_group");
        Assert.Equal("web2", after.GetProperty("name").GetString());
        Assert.False(after.GetProperty("stateful").GetBoolean());
        Assert.True(after.GetProperty("revision_number").GetInt32() > group.GetProperty("revision_number").GetInt32());

        var filtered = await gateway.NetworkAsync(HttpMethod.Get, "security-groups?name=web2", token);
        Assert.Equal(id, Assert.Single(filtered.Json.GetProperty("security_groups").EnumerateArray()).GetProperty("id").GetString());

        var deleted = await gateway.NetworkAsync(HttpMethod.Delete, "security-groups/" + id, token);
        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "security-groups/" + id, token), HttpStatusCode.NotFound, "SecurityGroupNotFound", id);
    }

    [Fact]
    public async Task List_SortsAndPages_WithLinks()
    {
        var (token, _) = Tenant();
        foreach (var name in new[] { "c", "a", "b" })
        {
            await CreateGroupAsync(token, name);
        }

        var sorted = await gateway.NetworkAsync(HttpMethod.Get, "security-groups?sort_key=name&sort_dir=asc&fields=name", token);
        sorted.AssertOk();
        Assert.Equal(["a", "b", "c", "default"], sorted.Json.GetProperty("security_groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()));

        var page = await gateway.NetworkAsync(HttpMethod.Get, "security-groups?sort_key=name&sort_dir=asc&limit=2", token);
        page.AssertOk();
        Assert.Equal(["a", "b"], page.Json.GetProperty("security_groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()));
        var next = page.Json.GetProperty("security_groups_links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "next").GetProperty("href").GetString()!;
        var second = await gateway.SendAsync(new Uri(next), HttpMethod.Get, token);
        second.AssertOk();
        Assert.Equal(["c", "default"], second.Json.GetProperty("security_groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()));

        var bad = await gateway.NetworkAsync(HttpMethod.Get, "security-groups?colour=red", token);
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
    }

    [Fact]
    public async Task AnotherTenantsGroup_IsNotFound_ButAnAdminSeesIt()
    {
        var (token, _) = Tenant();
        var (intruder, _) = Tenant();
        var id = await CreateGroupAsync(token, "mine");

        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "security-groups/" + id, intruder), HttpStatusCode.NotFound, "SecurityGroupNotFound", id);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, "security-groups/" + id, intruder, Json(new { security_group = new { name = "x" } })), HttpStatusCode.NotFound, "SecurityGroupNotFound", id);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "security-groups/" + id, intruder), HttpStatusCode.NotFound, "SecurityGroupNotFound", id);
        AssertNeutronError(await RuleAsync(intruder, new { security_group_id = id, direction = "ingress", protocol = "tcp" }), HttpStatusCode.NotFound, "SecurityGroupNotFound", id);
        var theirs = await gateway.NetworkAsync(HttpMethod.Get, "security-groups", intruder);
        Assert.DoesNotContain(id, theirs.Text, StringComparison.Ordinal);
        var rules = await gateway.NetworkAsync(HttpMethod.Get, "security-group-rules?security_group_id=" + id, intruder);
        rules.AssertOk();
        Assert.Empty(rules.Json.GetProperty("security_group_rules").EnumerateArray());

        // Their group as a remote group is unknown too.
        var theirGroup = await CreateGroupAsync(intruder, "theirs");
        AssertNeutronError(await RuleAsync(token, new { security_group_id = id, direction = "ingress", remote_group_id = theirGroup }), HttpStatusCode.NotFound, "SecurityGroupNotFound", theirGroup);

        (await gateway.NetworkAsync(HttpMethod.Get, "security-groups/" + id, gateway.AdminToken)).AssertOk();
    }

    [Fact]
    public async Task DefaultGroup_CannotBeDeletedOrRenamed_NorNamedAgain()
    {
        var (token, _) = Tenant();
        var id = await DefaultGroupAsync(token);

        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "security-groups/" + id, token), HttpStatusCode.Conflict, "SecurityGroupCannotRemoveDefault", "default security group");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, "security-groups/" + id, token, Json(new { security_group = new { name = "renamed" } })), HttpStatusCode.Conflict, "SecurityGroupCannotUpdateDefault", "default security group");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "Default" } })), HttpStatusCode.Conflict, "SecurityGroupDefaultAlreadyExists", "Default security group already exists");
        var described = await gateway.NetworkAsync(HttpMethod.Put, "security-groups/" + id, token, Json(new { security_group = new { description = "still default" } }));
        described.AssertOk();
        Assert.Equal("default", described.Json.GetProperty("security_group").GetProperty("name").GetString());

        // With a port in it, "in use" is said first, as Neutron looks for ports before the name.
        var network = await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = "n" } }));
        Assert.Equal(HttpStatusCode.Created, network.Status);
        var port = await gateway.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = network.Json.GetProperty("network").GetProperty("id").GetString() } }));
        Assert.Equal(HttpStatusCode.Created, port.Status);
        Assert.Equal(id, port.Json.GetProperty("port").GetProperty("security_groups")[0].GetString());
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "security-groups/" + id, token), HttpStatusCode.Conflict, "SecurityGroupInUse", id);
    }

    [Fact]
    public async Task Rule_CreateShowListDelete_AndInsideTheGroup()
    {
        var (token, _) = Tenant();
        var group = await CreateGroupAsync(token, "ssh");

        var created = await RuleAsync(token, new { security_group_id = group, direction = "ingress", protocol = "TCP", port_range_min = 22, port_range_max = 22, remote_ip_prefix = "10.1.2.3/8", description = "ssh" });

        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        var rule = created.Json.GetProperty("security_group_rule");
        var id = rule.GetProperty("id").GetString()!;
        Assert.Equal("tcp", rule.GetProperty("protocol").GetString());
        Assert.Equal("IPv4", rule.GetProperty("ethertype").GetString());
        Assert.Equal(22, rule.GetProperty("port_range_min").GetInt32());
        Assert.Equal("10.1.2.3/8", rule.GetProperty("remote_ip_prefix").GetString());
        Assert.Equal("10.0.0.0/8", rule.GetProperty("normalized_cidr").GetString());

        var shown = await gateway.NetworkAsync(HttpMethod.Get, "security-groups/" + group, token);
        Assert.Contains(shown.Json.GetProperty("security_group").GetProperty("security_group_rules").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        (await gateway.NetworkAsync(HttpMethod.Get, "security-group-rules/" + id, token)).AssertOk();
        var listed = await gateway.NetworkAsync(HttpMethod.Get, $"security-group-rules?security_group_id={group}&direction=ingress", token);
        Assert.Equal(id, Assert.Single(listed.Json.GetProperty("security_group_rules").EnumerateArray()).GetProperty("id").GetString());

        // Any protocol number and ICMP type/code are rules too.
        Assert.Equal(HttpStatusCode.Created, (await RuleAsync(token, new { security_group_id = group, direction = "ingress", protocol = "icmp", port_range_min = 8, port_range_max = 0 })).Status);
        Assert.Equal(HttpStatusCode.Created, (await RuleAsync(token, new { security_group_id = group, direction = "ingress", protocol = 132, port_range_min = 1000, port_range_max = 2000 })).Status);
        Assert.Equal(HttpStatusCode.Created, (await RuleAsync(token, new { security_group_id = group, direction = "ingress", ethertype = "ipv6", protocol = "ipv6-icmp", remote_ip_prefix = "2001:db8::/32" })).Status);

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "security-group-rules/" + id, token)).Status);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "security-group-rules/" + id, token), HttpStatusCode.NotFound, "SecurityGroupRuleNotFound", id);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "security-group-rules/" + id, token), HttpStatusCode.NotFound, "SecurityGroupRuleNotFound", id);
    }

    [Theory]
    [InlineData("""{"direction": "ingress", "protocol": "bogus"}""", "SecurityGroupRuleInvalidProtocol", "bogus")]
    [InlineData("""{"direction": "ingress", "protocol": "256"}""", "SecurityGroupRuleInvalidProtocol", "256")]
    [InlineData("""{"direction": "ingress", "protocol": "tcp", "port_range_min": 100, "port_range_max": 10}""", "SecurityGroupInvalidPortRange", "port_range_min must be <= port_range_max")]
    [InlineData("""{"direction": "ingress", "protocol": "tcp", "port_range_min": 0, "port_range_max": 10}""", "SecurityGroupInvalidPortValue", "port 0")]
    [InlineData("""{"direction": "ingress", "protocol": "udp", "port_range_min": 1, "port_range_max": 70000}""", "SecurityGroupInvalidPortValue", "70000")]
    [InlineData("""{"direction": "ingress", "protocol": "icmp", "port_range_min": 300}""", "SecurityGroupInvalidIcmpValue", "300")]
    [InlineData("""{"direction": "ingress", "protocol": "icmp", "port_range_max": 0}""", "SecurityGroupMissingIcmpType", "ICMP type")]
    [InlineData("""{"direction": "ingress", "protocol": "gre", "port_range_min": 1, "port_range_max": 2}""", "SecurityGroupInvalidProtocolForPortRange", "gre")]
    [InlineData("""{"direction": "ingress", "port_range_min": 1, "port_range_max": 2}""", "SecurityGroupProtocolRequiredWithPorts", "protocol")]
    [InlineData("""{"direction": "sideways"}""", "HTTPBadRequest", "sideways")]
    [InlineData("""{"direction": "ingress", "ethertype": "IPv5"}""", "SecurityGroupRuleInvalidEtherType", "IPv5")]
    [InlineData("""{"direction": "ingress", "remote_ip_prefix": "::/0"}""", "SecurityGroupRuleParameterConflict", "::/0")]
    [InlineData("""{"direction": "ingress", "ethertype": "IPv6", "remote_ip_prefix": "10.0.0.0/8"}""", "SecurityGroupRuleParameterConflict", "10.0.0.0/8")]
    [InlineData("""{"direction": "ingress", "protocol": "ipv6-icmp"}""", "SecurityGroupEthertypeConflictWithProtocol", "ipv6-icmp")]
    [InlineData("""{"direction": "ingress", "remote_ip_prefix": "banana"}""", "InvalidCIDR", "banana")]
    [InlineData("""{"direction": "ingress", "remote_ip_prefix": "10.0.0.0/8", "remote_group_id": "SELF"}""", "SecurityGroupRemoteGroupAndRemoteIpPrefix", "remote_group_id")]
    [InlineData("""{"direction": "ingress", "colour": "red"}""", "HTTPBadRequest", "colour")]
    public async Task Rule_BadInput_IsNeutrons400(string rule, string type, string named)
    {
        var (token, _) = Tenant();
        var group = await CreateGroupAsync(token, "bad-input");
        var body = JsonDocument.Parse(rule).RootElement.EnumerateObject().ToDictionary(p => p.Name, p => (object?)p.Value);
        body["security_group_id"] = group;
        if (body.TryGetValue("remote_group_id", out var remote) && remote is JsonElement { ValueKind: JsonValueKind.String } r && r.GetString() == "SELF")
        {
            body["remote_group_id"] = group;
        }

        AssertNeutronError(await RuleAsync(token, body), HttpStatusCode.BadRequest, type, named);
    }

    [Fact]
    public async Task Rule_UnknownGroupOrRemoteGroup_Is404()
    {
        var (token, _) = Tenant();
        var group = await CreateGroupAsync(token, "remote");
        var missing = Guid.NewGuid().ToString();

        AssertNeutronError(await RuleAsync(token, new { security_group_id = missing, direction = "ingress" }), HttpStatusCode.NotFound, "SecurityGroupNotFound", missing);
        AssertNeutronError(await RuleAsync(token, new { security_group_id = group, direction = "ingress", remote_group_id = missing }), HttpStatusCode.NotFound, "SecurityGroupNotFound", missing);
    }

    [Fact]
    public async Task DuplicateRule_Is409_NamingTheExistingRule_EvenWhenCreatedAtOnce()
    {
        var (token, _) = Tenant();
        var group = await CreateGroupAsync(token, "dup");
        var first = await RuleAsync(token, new { security_group_id = group, direction = "ingress", protocol = "tcp", port_range_min = 80, port_range_max = 80, remote_ip_prefix = "192.168.0.0/16" });
        var firstId = first.Json.GetProperty("security_group_rule").GetProperty("id").GetString()!;

        // The same rule written differently: protocol by number, host bits in the prefix.
        AssertNeutronError(
            await RuleAsync(token, new { security_group_id = group, direction = "ingress", protocol = "6", port_range_min = 80, port_range_max = 80, remote_ip_prefix = "192.168.1.1/16" }),
            HttpStatusCode.Conflict,
            "SecurityGroupRuleExists",
            firstId);

        // Every new group allows all egress already; 0.0.0.0/0 is "any".
        var egress = (await gateway.NetworkAsync(HttpMethod.Get, $"security-group-rules?security_group_id={group}&direction=egress&ethertype=IPv4", token))
            .Json.GetProperty("security_group_rules")[0].GetProperty("id").GetString()!;
        AssertNeutronError(await RuleAsync(token, new { security_group_id = group, direction = "egress", remote_ip_prefix = "0.0.0.0/0" }), HttpStatusCode.Conflict, "SecurityGroupRuleExists", egress);

        var racing = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => RuleAsync(token, new { security_group_id = group, direction = "ingress", protocol = "udp", port_range_min = 53, port_range_max = 53 })));
        Assert.Single(racing, r => r.Status == HttpStatusCode.Created);
        Assert.All(racing.Where(r => r.Status != HttpStatusCode.Created), r => AssertNeutronError(r, HttpStatusCode.Conflict, "SecurityGroupRuleExists", "Rule id is"));
    }

    [Fact]
    public async Task DeletingARemoteGroup_RemovesTheRulesNamingIt()
    {
        var (token, _) = Tenant();
        var group = await CreateGroupAsync(token, "app");
        var remote = await CreateGroupAsync(token, "db");
        var rule = (await RuleAsync(token, new { security_group_id = group, direction = "ingress", remote_group_id = remote })).Json.GetProperty("security_group_rule").GetProperty("id").GetString()!;

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "security-groups/" + remote, token)).Status);

        Assert.Equal(HttpStatusCode.NotFound, (await gateway.NetworkAsync(HttpMethod.Get, "security-group-rules/" + rule, token)).Status);
    }

    [Fact]
    public async Task GroupInUseByAPort_CannotBeDeleted_AndPortsCountInQuotaDetails()
    {
        var (token, project) = Tenant();
        var group = await CreateGroupAsync(token, "used");

        // A port with the group, written as the central ports API stores it (the API is the net-core branch's).
        var network = Guid.NewGuid().ToString();
        var port = Guid.NewGuid().ToString();
        await using (var database = gateway.Database.Open())
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            var now = DateTime.UtcNow;
            await connection.ExecuteAsync(
                "INSERT INTO networks (id, project_id, mtu, network_type, created_at, updated_at) VALUES (@network, @project, 1450, 'vxlan', @now, @now)", new { network, project, now });
            await connection.ExecuteAsync(
                "INSERT INTO ports (id, project_id, network_id, mac_address, created_at, updated_at) VALUES (@port, @project, @network, @mac, @now, @now)",
                new { port, project, network, mac = "fa:16:3e:" + string.Join(':', Guid.NewGuid().ToByteArray()[..3].Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))), now });
            await connection.ExecuteAsync("INSERT INTO port_security_groups (port_id, security_group_id) VALUES (@port, @group)", new { port, group });
        }

        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "security-groups/" + group, token), HttpStatusCode.Conflict, "SecurityGroupInUse", group);
        var details = (await gateway.NetworkAsync(HttpMethod.Get, $"quotas/{project}/details", token)).Json.GetProperty("quota");
        Assert.Equal(1, details.GetProperty("network").GetProperty("used").GetInt32());
        Assert.Equal(1, details.GetProperty("port").GetProperty("used").GetInt32());

        await using (var database = gateway.Database.Open())
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        {
            await connection.ExecuteAsync("DELETE FROM ports WHERE id = @port", new { port });
        }

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "security-groups/" + group, token)).Status);
    }

    [Fact]
    public async Task Quotas_LimitGroupsAndRules_OnlyAnAdminChangesThem()
    {
        var (token, project) = Tenant();
        var defaults = await gateway.NetworkAsync(HttpMethod.Get, $"quotas/{project}/default", token);
        defaults.AssertOk();
        var quota = defaults.Json.GetProperty("quota");
        Assert.Equal(100, quota.GetProperty("network").GetInt32());
        Assert.Equal(100, quota.GetProperty("subnet").GetInt32());
        Assert.Equal(500, quota.GetProperty("port").GetInt32());
        Assert.Equal(10, quota.GetProperty("security_group").GetInt32());
        Assert.Equal(100, quota.GetProperty("security_group_rule").GetInt32());
        Assert.Equal(10, quota.GetProperty("router").GetInt32());
        Assert.Equal(50, quota.GetProperty("floatingip").GetInt32());

        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, "quotas/" + project, token, Json(new { quota = new { security_group = 100 } })), HttpStatusCode.Forbidden, "PolicyNotAuthorized", "update_quota");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Delete, "quotas/" + project, token), HttpStatusCode.Forbidden, "PolicyNotAuthorized", "delete_quota");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "quotas", token), HttpStatusCode.Forbidden, "PolicyNotAuthorized", "get_quota");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Get, "quotas/" + gateway.DemoProjectId, token), HttpStatusCode.Forbidden, "PolicyNotAuthorized", "get_quota");

        var set = await gateway.NetworkAsync(HttpMethod.Put, "quotas/" + project, gateway.AdminToken, Json(new { quota = new { security_group = 2, security_group_rule = 7 } }));
        set.AssertOk();
        Assert.Equal(2, set.Json.GetProperty("quota").GetProperty("security_group").GetInt32());
        Assert.Equal(100, set.Json.GetProperty("quota").GetProperty("network").GetInt32());
        Assert.Equal(2, (await gateway.NetworkAsync(HttpMethod.Get, "quotas/" + project, token)).Json.GetProperty("quota").GetProperty("security_group").GetInt32());
        Assert.Contains((await gateway.NetworkAsync(HttpMethod.Get, "quotas", gateway.AdminToken)).Json.GetProperty("quotas").EnumerateArray(), q => q.GetProperty("project_id").GetString() == project);
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, "quotas/" + project, gateway.AdminToken, Json(new { quota = new { bananas = 1 } })), HttpStatusCode.BadRequest, "HTTPBadRequest", "bananas");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Put, "quotas/" + project, gateway.AdminToken, Json(new { quota = new { network = -2 } })), HttpStatusCode.BadRequest, "InvalidInput", "-2");

        // The default group (4 rules) is the first; one more group (2 egress rules) fills security_group.
        var group = await CreateGroupAsync(token, "only");
        AssertNeutronError(await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "over" } })), HttpStatusCode.Conflict, "OverQuota", "security_group");
        Assert.Equal(HttpStatusCode.Created, (await RuleAsync(token, new { security_group_id = group, direction = "ingress", protocol = "tcp", port_range_min = 1, port_range_max = 1 })).Status);
        AssertNeutronError(await RuleAsync(token, new { security_group_id = group, direction = "ingress", protocol = "tcp", port_range_min = 2, port_range_max = 2 }), HttpStatusCode.Conflict, "OverQuota", "security_group_rule");

        var details = await gateway.NetworkAsync(HttpMethod.Get, $"quotas/{project}/details", token);
        details.AssertOk();
        var sg = details.Json.GetProperty("quota").GetProperty("security_group");
        Assert.Equal(2, sg.GetProperty("used").GetInt32());
        Assert.Equal(2, sg.GetProperty("limit").GetInt32());
        Assert.Equal(0, sg.GetProperty("reserved").GetInt32());
        Assert.Equal(7, details.Json.GetProperty("quota").GetProperty("security_group_rule").GetProperty("used").GetInt32());

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "quotas/" + project, gateway.AdminToken)).Status);
        Assert.Equal(10, (await gateway.NetworkAsync(HttpMethod.Get, "quotas/" + project, token)).Json.GetProperty("quota").GetProperty("security_group").GetInt32());
        Assert.Equal(HttpStatusCode.Created, (await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = "now-fits" } }))).Status);
    }

    [Fact]
    public async Task AvailabilityZones_AreThePodsAzs_ForNetworksAndRouters()
    {
        var zones = await gateway.NetworkAsync(HttpMethod.Get, "availability_zones", gateway.DemoToken);

        zones.AssertOk();
        var listed = zones.Json.GetProperty("availability_zones").EnumerateArray()
            .Select(z => (z.GetProperty("name").GetString(), z.GetProperty("resource").GetString(), z.GetProperty("state").GetString()))
            .ToList();
        Assert.Equal([("az1", "network", "available"), ("az1", "router", "available"), ("az2", "network", "available"), ("az2", "router", "available")], listed);

        var routers = await gateway.NetworkAsync(HttpMethod.Get, "availability_zones?resource=router&name=az2", gateway.DemoToken);
        Assert.Single(routers.Json.GetProperty("availability_zones").EnumerateArray());
    }

    [Fact]
    public async Task Extensions_NameWhatIsServed()
    {
        var extensions = await gateway.NetworkAsync(HttpMethod.Get, "extensions", gateway.DemoToken);

        extensions.AssertOk();
        var aliases = extensions.Json.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("alias").GetString()).ToList();
        Assert.Contains("security-group", aliases);
        Assert.Contains("quotas", aliases);
        Assert.Contains("quota_details", aliases);
        Assert.Contains("availability_zone", aliases);
        (await gateway.NetworkAsync(HttpMethod.Get, "extensions/availability_zone", gateway.DemoToken)).AssertOk();
    }

    internal static void AssertNeutronError(ApiResponse response, HttpStatusCode status, string type, string named)
    {
        Assert.True(response.Status == status, $"expected {(int)status}, got {(int)response.Status}: {response.Text}");
        var error = response.Json.GetProperty("NeutronError");
        Assert.Equal(type, error.GetProperty("type").GetString());
        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private static string Json(object value) => JsonSerializer.Serialize(value);

    /// <summary>A fresh project with a member user, so that each test starts before the project's first use.</summary>
    private (string Token, string ProjectId) Tenant()
    {
        var name = "sg-" + Guid.NewGuid().ToString("N")[..10];
        var keystone = gateway.Sandbox.Keystone;
        var project = keystone.AddProject(name);
        var user = keystone.AddUser(name, "secret", defaultProjectId: project);
        keystone.Grant(user, project, "member");
        return (keystone.IssueToken(name, "secret", name).Id, project);
    }

    private async Task<string> CreateGroupAsync(string token, string name)
    {
        var created = await gateway.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name } }));
        Assert.True(created.Status == HttpStatusCode.Created, created.Text);
        return created.Json.GetProperty("security_group").GetProperty("id").GetString()!;
    }

    private async Task<string> DefaultGroupAsync(string token)
    {
        var listed = await gateway.NetworkAsync(HttpMethod.Get, "security-groups?name=default", token);
        return Assert.Single(listed.Json.GetProperty("security_groups").EnumerateArray()).GetProperty("id").GetString()!;
    }

    private Task<ApiResponse> RuleAsync(string token, object rule) =>
        gateway.NetworkAsync(HttpMethod.Post, "security-group-rules", token, Json(new { security_group_rule = rule }));
}

public sealed class SecurityGroupsApiSqliteTests(SqliteGatewayFixture gateway) : SecurityGroupsApiTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class SecurityGroupsApiPostgresTests(PostgresGatewayFixture gateway) : SecurityGroupsApiTests(gateway), IClassFixture<PostgresGatewayFixture>;
