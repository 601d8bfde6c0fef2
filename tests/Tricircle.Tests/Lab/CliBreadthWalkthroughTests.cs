using Tricircle.Support;

namespace Tricircle.Lab;

/// <summary>
/// The issue-14 commands of the everyday <c>openstack</c> CLI through the central region, in front
/// of the lab's real regions: the operator's views merged over every region, server groups,
/// instance actions, the console log, QoS, trunks, subnet pools and address scopes; and what a
/// real region refuses (a migration with one compute host per region) refused the same way.
/// Volume backups are not here: the lab runs no cinder-backup.
/// </summary>
[Collection(LabWalkthroughs.Name)]
[Trait("Category", "Lab")]
public sealed class CliBreadthWalkthroughTests(LabTricircle lab)
{
    private string Central => lab.Cloud.CentralRegion;

    [LabFact]
    public async Task OperatorViews_MergeEveryRegion_AndAMemberIsRefused()
    {
        await lab.EnsurePodsAsync();
        var regions = lab.Cloud.Regions.Count;
        var services = await lab.OpenStackJsonAsync(Central, false, "compute", "service", "list");
        for (var i = 0; i < regions; i++)
        {
            var az = LabTricircle.PodAz(i);
            Assert.Contains(services.EnumerateArray(), s => s.GetProperty("Binary").GetString() == "nova-compute" && s.GetProperty("Zone").GetString() == az);
        }

        var hypervisors = await lab.OpenStackJsonAsync(Central, false, "hypervisor", "list");
        Assert.True(hypervisors.GetArrayLength() >= regions, hypervisors.ToString());
        var first = hypervisors[0].GetProperty("ID").ToString();
        Assert.Equal(first, (await lab.OpenStackJsonAsync(Central, false, "hypervisor", "show", first)).GetProperty("id").ToString());
        Assert.NotEmpty((await lab.OpenStackJsonAsync(Central, false, "volume", "service", "list")).EnumerateArray());
        await lab.OpenStackJsonAsync(Central, false, "network", "agent", "list");
        await lab.OpenStackJsonAsync(Central, false, "usage", "list");

        var refused = await CliRunner.RunAsync("openstack", ["hypervisor", "list"], lab.Cloud.Openrc(Central, true));
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("403", refused.ToString(), StringComparison.Ordinal);
    }

    [LabFact]
    public async Task ServerGroups_Events_ConsoleLog_AndAMigrationWithNowhereToGo()
    {
        await lab.EnsurePodsAsync();
        var admin = (await lab.Cloud.AdminTokenAsync(lab.Http)).Id;
        var demo = await lab.Cloud.DemoTokenAsync(lab.Http);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var flavor = (await lab.OpenStackJsonAsync(Central, false, "flavor", "create", "lab-cli-" + suffix, "--ram", "64", "--vcpus", "1", "--disk", "1", "--public")).GetProperty("id").GetString()!;
        var network = (await lab.OpenStackJsonAsync(Central, true, "network", "create", "lab-cli-net-" + suffix)).GetProperty("id").GetString()!;
        await lab.OpenStackJsonAsync(Central, true, "subnet", "create", "--network", network, "--subnet-range", "10.231.0.0/24", "lab-cli-sub-" + suffix);
        var group = (await lab.OpenStackJsonAsync(Central, true, "server", "group", "create", "--policy", "anti-affinity", "lab-cli-grp-" + suffix)).GetProperty("id").GetString()!;
        string? server = null;
        var first = lab.Cloud.Regions[0];
        try
        {
            server = (await lab.OpenStackJsonAsync(Central, true, "server", "create", "--flavor", flavor, "--image", "cirros-tiny", "--network", network,
                "--availability-zone", LabTricircle.PodAz(0), "--hint", "group=" + group, "--wait", "lab-cli-vm-" + suffix)).GetProperty("id").GetString()!;
            Assert.Contains(server, (await lab.OpenStackJsonAsync(Central, true, "server", "group", "show", group)).GetProperty("members").ToString(), StringComparison.Ordinal);

            var events = await lab.OpenStackJsonAsync(Central, true, "server", "event", "list", server);
            Assert.Contains(events.EnumerateArray(), e => e.GetProperty("Action").GetString() == "create");
            await lab.OpenStackAsync(Central, true, "console", "log", "show", server);

            // One compute host per lab region: Nova accepts the migration (it casts it), finds no
            // host, and the server stays ACTIVE where it was; the failed action is in its events.
            var host = (await lab.OpenStackJsonAsync(first, false, "server", "show", server)).GetProperty("OS-EXT-SRV-ATTR:host").GetString();
            await lab.OpenStackAsync(Central, false, "server", "migrate", server);
            var migrated = await LabTricircle.WaitForAsync(
                async () => (await lab.OpenStackJsonAsync(Central, true, "server", "event", "list", server)).EnumerateArray().Any(e => e.GetProperty("Action").GetString() == "migrate") ? "recorded" : "not yet",
                "recorded");
            Assert.Equal("recorded", migrated);
            var after = await lab.OpenStackJsonAsync(first, false, "server", "show", server);
            Assert.Equal("ACTIVE", after.GetProperty("status").GetString());
            Assert.Equal(host, after.GetProperty("OS-EXT-SRV-ATTR:host").GetString());
        }
        finally
        {
            if (server is not null)
            {
                await lab.OpenStackAsync(Central, true, "server", "delete", "--wait", server);
            }

            await lab.OpenStackAsync(Central, true, "server", "group", "delete", group);
            await lab.OpenStackAsync(Central, true, "network", "delete", network);
            await lab.OpenStackAsync(Central, false, "flavor", "delete", flavor);

            // The demo project's default group went into the pod with the server's port: its delete
            // takes the copy out again.
            var groups = await lab.OpenStackJsonAsync(Central, false, "security", "group", "list", "--project", demo.ProjectId);
            foreach (var sg in groups.EnumerateArray().Where(g => g.GetProperty("Name").GetString() == "default"))
            {
                await lab.OpenStackAsync(Central, false, "security", "group", "delete", sg.GetProperty("ID").GetString()!);
            }

            // What the pods got goes (the group's copy by its cleanup job), and the placement binding
            // is forgotten: the walkthroughs after this one start from no routing and no binding.
            var left = await LabTricircle.WaitForAsync(
                async () => (await lab.AdminAsync(HttpMethod.Get, "routings?project_id=" + demo.ProjectId, admin)).GetProperty("routings") is var rows && rows.GetArrayLength() == 0 ? "gone" : rows.ToString(),
                "gone");
            Assert.Equal("gone", left);
            await lab.ForgetBindingsAsync(admin, demo.ProjectId);
        }
    }

    [LabFact]
    public async Task QosTrunksSubnetPoolsAndAddressScopes_ThroughTheCentralNeutron()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var scope = (await lab.OpenStackJsonAsync(Central, true, "address", "scope", "create", "--ip-version", "4", "lab-cli-scope-" + suffix)).GetProperty("id").GetString()!;
        var pool = (await lab.OpenStackJsonAsync(Central, true, "subnet", "pool", "create", "--pool-prefix", "10.232.0.0/16", "--default-prefix-length", "26", "--address-scope", scope, "lab-cli-pool-" + suffix))
            .GetProperty("id").GetString()!;
        var network = (await lab.OpenStackJsonAsync(Central, true, "network", "create", "lab-cli-pnet-" + suffix)).GetProperty("id").GetString()!;
        var policy = (await lab.OpenStackJsonAsync(Central, false, "network", "qos", "policy", "create", "--share", "lab-cli-qos-" + suffix)).GetProperty("id").GetString()!;
        string? trunk = null;
        try
        {
            var subnet = await lab.OpenStackJsonAsync(Central, true, "subnet", "create", "--network", network, "--subnet-pool", pool, "lab-cli-psub-" + suffix);
            Assert.Equal("10.232.0.0/26", subnet.GetProperty("cidr").GetString());
            await lab.OpenStackJsonAsync(Central, false, "network", "qos", "rule", "create", "--type", "bandwidth-limit", "--max-kbps", "2000", policy);
            await lab.OpenStackAsync(Central, true, "network", "set", "--qos-policy", policy, network);
            Assert.Equal(policy, (await lab.OpenStackJsonAsync(Central, true, "network", "show", network)).GetProperty("qos_policy_id").GetString());

            var parent = (await lab.OpenStackJsonAsync(Central, true, "port", "create", "--network", network, "lab-cli-parent-" + suffix)).GetProperty("id").GetString()!;
            var child = (await lab.OpenStackJsonAsync(Central, true, "port", "create", "--network", network, "lab-cli-child-" + suffix)).GetProperty("id").GetString()!;
            trunk = (await lab.OpenStackJsonAsync(Central, true, "network", "trunk", "create", "--parent-port", parent, "--subport", $"port={child},segmentation-type=vlan,segmentation-id=101", "lab-cli-trunk-" + suffix))
                .GetProperty("id").GetString()!;
            Assert.Contains(child, (await lab.OpenStackJsonAsync(Central, true, "network", "subport", "list", "--trunk", trunk)).ToString(), StringComparison.Ordinal);
            await lab.OpenStackAsync(Central, true, "network", "trunk", "delete", trunk);
            trunk = null;
            await lab.OpenStackAsync(Central, true, "port", "delete", parent, child);
            await lab.OpenStackAsync(Central, true, "network", "set", "--no-qos-policy", network);
        }
        finally
        {
            if (trunk is not null)
            {
                await lab.OpenStackAsync(Central, true, "network", "trunk", "delete", trunk);
            }

            await lab.OpenStackAsync(Central, true, "network", "delete", network);
            await lab.OpenStackAsync(Central, false, "network", "qos", "policy", "delete", policy);
            await lab.OpenStackAsync(Central, true, "subnet", "pool", "delete", pool);
            await lab.OpenStackAsync(Central, true, "address", "scope", "delete", scope);
        }
    }
}
