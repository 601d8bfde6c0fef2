using System.Net;
using Tricircle.Routing;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.WebConsole.Topology;

/// <summary>
/// The topology reader against the sandbox: a project's two networks, servers in both pods, a
/// router with interfaces, a gateway and a floating IP, a volume. What it reads must match the
/// routing table and what the pods themselves hold, and a project sees only its own.
/// </summary>
public abstract class TopologyReaderTests(GatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task AProjectsNetworksRoutersServersAndFloatingIps_AreReadWithTheirCopiesInThePods()
    {
        var world = await SeedAsync();
        var reader = gateway.Sandbox.Services.GetRequiredService<TopologyReader>();

        var model = await reader.ReadAsync(world.Project, CancellationToken.None);

        Assert.Equal(["RegionOne", "RegionTwo"], model.Pods.Select(p => p.Name));
        Assert.All(model.Pods, p => Assert.Equal(PodState.Up, p.State));
        var a = Assert.Single(model.Networks, n => n.Id == world.NetworkA);
        var b = Assert.Single(model.Networks, n => n.Id == world.NetworkB);
        Assert.Equal(NetworkKind.Tenant, a.Kind);
        Assert.Equal("10.71.1.0/24", Assert.Single(a.Subnets).Cidr);
        Assert.NotNull(a.SegmentationId); // vxlan/vlan: the id every pod's copy shares
        Assert.Equal(["RegionOne", "RegionTwo"], a.Copies.Select(c => c.PodName)); // servers on A in both pods
        Assert.Contains("RegionTwo", b.Copies.Select(c => c.PodName));

        // Each copy is a network the pod has (named after the top id), with the bottom id read.
        foreach (var network in new[] { a, b })
        {
            var routed = await RoutedPodsAsync("network", network.Id);
            Assert.Equal(routed, network.Copies.Select(c => c.PodName).ToHashSet());
            foreach (var copy in network.Copies)
            {
                Assert.Equal(copy.BottomId, (await _steps.BottomAsync(copy.PodName, "networks", network.Id)).GetProperty("id").GetString());
            }
        }

        var external = Assert.Single(model.Networks, n => n.Id == world.External);
        Assert.Equal(NetworkKind.External, external.Kind);
        Assert.Equal(["RegionOne"], external.Copies.Select(c => c.PodName));

        var router = Assert.Single(model.Routers);
        Assert.Equal(world.Router, router.Id);
        Assert.Equal(new[] { world.NetworkA, world.NetworkB }.Order(StringComparer.Ordinal), router.Links.Where(l => l.Kind == RouterLinkKind.Interface).Select(l => l.NetworkId).Order(StringComparer.Ordinal));
        Assert.Equal(world.External, Assert.Single(router.Links, l => l.Kind == RouterLinkKind.Gateway).NetworkId);
        Assert.Equal(["RegionOne", "RegionTwo"], router.Copies.Select(c => c.PodName));
        var bridge = Assert.Single(model.Networks, n => n.Kind == NetworkKind.Bridge);
        Assert.Equal("", bridge.ProjectId);
        Assert.Equal(["RegionOne", "RegionTwo"], bridge.Copies.Select(c => c.PodName));
        Assert.All(router.Links.Where(l => l.Kind == RouterLinkKind.Bridge), l => Assert.Equal(bridge.Id, l.NetworkId));
        Assert.Contains(router.Links, l => l.Kind == RouterLinkKind.Bridge);

        Assert.Equal(3, model.Servers.Count);
        var onA1 = Assert.Single(model.Servers, s => s.Id == world.ServerA1);
        Assert.Equal(("RegionOne", "on-az1"), (onA1.Copy.PodName, onA1.Name)); // the name from the pod
        Assert.Equal([world.NetworkA], onA1.NetworkIds);
        Assert.Equal("RegionTwo", Assert.Single(model.Servers, s => s.Id == world.ServerB2).Copy.PodName);
        Assert.Equal([world.NetworkB], Assert.Single(model.Servers, s => s.Id == world.ServerB2).NetworkIds);

        var fip = Assert.Single(model.FloatingIps);
        Assert.Equal((world.FloatingIp, world.ServerA1, world.External), (fip.Id, fip.ServerId, fip.NetworkId));

        var volume = Assert.Single(model.Volumes);
        Assert.Equal((world.Volume, "RegionTwo"), (volume.Id, volume.Copy.PodName));
    }

    [Fact]
    public async Task AnotherProject_SeesNoneOfIt_AndAnAdmin_SeesEveryProject()
    {
        var world = await SeedAsync();
        var reader = gateway.Sandbox.Services.GetRequiredService<TopologyReader>();

        var other = await reader.ReadAsync(gateway.OtherProjectId, CancellationToken.None);
        Assert.NotNull(world.Bridge);
        Assert.DoesNotContain(other.Networks, n => n.Id == world.NetworkA || n.Id == world.NetworkB || n.Id == world.Bridge);
        Assert.DoesNotContain(other.Routers, r => r.Id == world.Router);
        Assert.DoesNotContain(other.Servers, s => s.ProjectId == world.Project);
        Assert.DoesNotContain(other.Volumes, v => v.ProjectId == world.Project);
        Assert.DoesNotContain(other.FloatingIps, f => f.ProjectId == world.Project);
        Assert.Contains(other.Networks, n => n.Id == world.External); // external networks are everyone's, as in Neutron

        var all = await reader.ReadAsync(null, CancellationToken.None);
        Assert.Contains(all.Networks, n => n.Id == world.NetworkA);
        Assert.Contains(all.Servers, s => s.Id == world.ServerB2);
        Assert.Contains(world.Project, await reader.ProjectsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ANetworksDetail_GivesEachCopysStatusFromItsPod_AndARoutersDetailItsJobs()
    {
        var world = await SeedAsync();
        var reader = gateway.Sandbox.Services.GetRequiredService<TopologyReader>();
        var details = gateway.Sandbox.Services.GetRequiredService<ResourceDetails>();
        var model = await reader.ReadAsync(world.Project, CancellationToken.None);

        var network = await details.ReadAsync(model, ResourceKind.Network, world.NetworkA, withJobs: true, CancellationToken.None);
        Assert.NotNull(network);
        Assert.Equal(["RegionOne", "RegionTwo"], network.Copies.Select(c => c.Copy.PodName));
        Assert.All(network.Copies, c => Assert.Equal("ACTIVE", c.Status));
        Assert.Contains(("segment", Assert.Single(model.Networks, n => n.Id == world.NetworkA).Segment), network.Fields);

        var router = await details.ReadAsync(model, ResourceKind.Router, world.Router, withJobs: true, CancellationToken.None);
        Assert.NotNull(router);
        Assert.NotEmpty(router.Jobs);
        var jobs = gateway.Sandbox.Services.GetRequiredService<Jobs.JobStore>();
        foreach (var job in router.Jobs)
        {
            Assert.Contains(world.Router, (await jobs.FindAsync(job.Id, CancellationToken.None))!.ResourceId.Split('#'));
        }


        var server = await details.ReadAsync(model, ResourceKind.Server, world.ServerB2, withJobs: false, CancellationToken.None);
        Assert.Equal("ACTIVE", Assert.Single(server!.Copies).Status);
        Assert.Empty(server.Jobs); // a member's panel: no jobs (they are the admin's)

        // A volume's status from its pod's Cinder, a floating IP's from the pod holding its copy.
        var volume = await details.ReadAsync(model, ResourceKind.Volume, world.Volume, withJobs: false, CancellationToken.None);
        Assert.Contains(Assert.Single(volume!.Copies).Status, new[] { "creating", "available" });
        var fip = await details.ReadAsync(model, ResourceKind.FloatingIp, world.FloatingIp, withJobs: false, CancellationToken.None);
        Assert.NotEmpty(fip!.Copies);
        Assert.All(fip.Copies, c => Assert.Contains(c.Status, new[] { "ACTIVE", "DOWN" }));

        // Not the viewer's: no detail (the model is a project's own).
        var other = await reader.ReadAsync(gateway.OtherProjectId, CancellationToken.None);
        Assert.Null(await details.ReadAsync(other, ResourceKind.Network, world.NetworkA, withJobs: true, CancellationToken.None));
    }

    private async Task<HashSet<string>> RoutedPodsAsync(string type, string topId)
    {
        var routings = gateway.Sandbox.Services.GetRequiredService<RoutingStore>();
        var pods = gateway.Sandbox.Services.GetRequiredService<Pods.PodStore>();
        var (rows, _) = await routings.ListAsync(new Dictionary<string, object> { ["top_id"] = topId, ["resource_type"] = type }, null, 50, CancellationToken.None);
        var names = new HashSet<string>();
        foreach (var row in rows)
        {
            names.Add((await pods.GetAsync(row.PodId, CancellationToken.None)).RegionName);
        }

        return names;
    }

    private sealed record World(string Project, string NetworkA, string NetworkB, string External, string Router, string ServerA1, string ServerA2, string ServerB2, string FloatingIp, string Volume, string? Bridge);

    private async Task<World> SeedAsync()
    {
        var (token, project) = gateway.NewTenant("topo");
        var (netA, subA) = await _steps.NetworkAsync(token, "10.71.1.0/24");
        var (netB, subB) = await _steps.NetworkAsync(token, "10.71.2.0/24");
        var (external, _) = await _steps.ExternalNetworkAsync("RegionOne", "172.31.71.0/24");
        var a1 = await _steps.BootAsync(token, netA, "az1");
        var a2 = await _steps.BootAsync(token, netA, "az2");
        var b2 = await _steps.BootAsync(token, netB, "az2");
        var router = await _steps.RouterAsync(token, new { name = "topo-router" });
        Ok(await _steps.InterfaceAsync(token, router, "add", subA));
        Ok(await _steps.InterfaceAsync(token, router, "add", subB));
        Ok(await gateway.NetworkAsync(HttpMethod.Put, "routers/" + router, token, Json(new { router = new { external_gateway_info = new { network_id = external } } })));
        await _steps.ActiveAsync(token, a1);
        var port = (await _steps.ServerPortAsync(token, a1)).GetProperty("id").GetString();
        var fip = Ok(await gateway.NetworkAsync(HttpMethod.Post, "floatingips", token, Json(new { floatingip = new { floating_network_id = external, port_id = port } })))
            .GetProperty("floatingip").GetProperty("id").GetString()!;
        var volume = await gateway.VolumeAsync(HttpMethod.Post, "volumes", token, Json(new { volume = new { size = 1, availability_zone = "az2", name = "topo-vol" } }), project: project);
        Assert.True(volume.Status == HttpStatusCode.Accepted, volume.Text);
        await gateway.JobsSettledAsync();
        Assert.Empty(await gateway.FailedJobsAsync());
        var reader = gateway.Sandbox.Services.GetRequiredService<TopologyReader>();
        var bridge = (await reader.ReadAsync(project, CancellationToken.None)).Networks.FirstOrDefault(n => n.Kind == NetworkKind.Bridge)?.Id;
        return new World(project, netA, netB, external, router, a1, a2, b2, fip, volume.Json.GetProperty("volume").GetProperty("id").GetString()!, bridge);
    }
}

public sealed class TopologyReaderSqliteTests(SqliteGatewayFixture gateway) : TopologyReaderTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class TopologyReaderPostgresTests(PostgresGatewayFixture gateway) : TopologyReaderTests(gateway), IClassFixture<PostgresGatewayFixture>;
