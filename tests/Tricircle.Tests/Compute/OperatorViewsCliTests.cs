using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Compute;

/// <summary>
/// The operator's commands with the real <c>openstack</c> CLI against the central region, two
/// pods whose hosts share a name: compute services, hypervisors, usage, volume services and
/// network agents, all merged, hosts as host@Region; a member refused as the services refuse.
/// </summary>
public sealed class OperatorViewsCliTests(SameHostGatewayFixture gateway) : IClassFixture<SameHostGatewayFixture>
{
    private const string Host = SameHostGatewayFixture.HostName;

    private OpenStackCli Admin => OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc"));

    private OpenStackCli Demo => OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));

    private static string Str(JsonElement row, string column) => row.GetProperty(column).ToString();

    private async Task<JsonElement> PodAsync(string region, string service, string path)
    {
        var root = service == "compute" ? gateway.Region(region).ComputeUrl + "/" : service == "volume" ? new Uri(gateway.Region(region).VolumeUrl, "v3/").ToString() : new Uri(gateway.Region(region).NetworkUrl, "v2.0/").ToString();
        var answer = await gateway.SendAsync(new Uri(root + path), HttpMethod.Get, gateway.AdminToken);
        answer.AssertOk();
        return answer.Json;
    }

    [Fact]
    public async Task ComputeServices_ListSetDelete()
    {
        var services = (await Admin.JsonAsync("compute", "service", "list")).EnumerateArray().ToList();
        var two = services.Single(s => Str(s, "Binary") == "nova-compute" && Str(s, "Host") == $"{Host}@RegionTwo");
        Assert.Equal("az2", Str(two, "Zone"));
        Assert.Contains(services, s => Str(s, "Binary") == "nova-compute" && Str(s, "Host") == $"{Host}@RegionOne" && Str(s, "Zone") == "az1");

        await Admin.RunAsync("compute", "service", "set", "--disable", "--disable-reason", "cli maintenance", $"{Host}@RegionTwo", "nova-compute");
        var inPod = (await PodAsync("RegionTwo", "compute", "os-services?binary=nova-compute")).GetProperty("services")[0];
        Assert.Equal("disabled", inPod.GetProperty("status").GetString());
        Assert.Equal("cli maintenance", inPod.GetProperty("disabled_reason").GetString());
        Assert.Equal("enabled", (await PodAsync("RegionOne", "compute", "os-services?binary=nova-compute")).GetProperty("services")[0].GetProperty("status").GetString());
        await Admin.RunAsync("compute", "service", "set", "--enable", $"{Host}@RegionTwo", "nova-compute");
        Assert.Equal("enabled", (await PodAsync("RegionTwo", "compute", "os-services?binary=nova-compute")).GetProperty("services")[0].GetProperty("status").GetString());

        var conductor = services.Single(s => Str(s, "Binary") == "nova-conductor" && Str(s, "Host") == "controller@RegionTwo");
        await Admin.RunAsync("compute", "service", "delete", Str(conductor, "ID"));
        Assert.Empty((await PodAsync("RegionTwo", "compute", "os-services?binary=nova-conductor")).GetProperty("services").EnumerateArray());
        Assert.Single((await PodAsync("RegionOne", "compute", "os-services?binary=nova-conductor")).GetProperty("services").EnumerateArray());

        var denied = await Demo.TryAsync("compute", "service", "list");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("403", denied.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hypervisors_ListShowStats()
    {
        var list = (await Admin.JsonAsync("hypervisor", "list")).EnumerateArray().Select(h => Str(h, "Hypervisor Hostname")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal([$"{Host}@RegionOne", $"{Host}@RegionTwo"], list);

        var shown = await Admin.JsonAsync("hypervisor", "show", $"{Host}@RegionTwo");
        Assert.Equal($"{Host}@RegionTwo", Str(shown, "hypervisor_hostname"));
        Assert.Equal($"{Host}@RegionTwo", Str(shown, "service_host"));

        var stats = await Admin.JsonAsync("hypervisor", "stats", "show");
        Assert.Equal(2, stats.GetProperty("count").GetInt32());

        var denied = await Demo.TryAsync("hypervisor", "list");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("403", denied.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Usage_ListAndShow_MemberSeesItsOwn()
    {
        var server = await gateway.BootAsync(gateway.DemoToken, "az2", "cli-usage");
        var start = DateTime.UtcNow.AddDays(-1).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        JsonElement usage = default;
        await Poll.UntilAsync(async () =>
        {
            usage = await Demo.JsonAsync("usage", "show", "--start", start);
            return usage.TryGetProperty("Servers", out var servers) && servers.ValueKind == JsonValueKind.Array && servers.GetArrayLength() == 1;
        }, TimeSpan.FromSeconds(30), () => usage.ToString());

        var rows = (await Admin.JsonAsync("usage", "list", "--start", start)).EnumerateArray().ToList();
        // (-f json shows the project id and the server usages themselves.)
        var demo = rows.Single(r => Str(r, "Project") == gateway.DemoProjectId);
        Assert.Equal(server, demo.GetProperty("Servers")[0].GetProperty("instance_id").GetString());
        var shown = await Admin.JsonAsync("usage", "show", "--project", "demo", "--start", start);
        Assert.Equal(server, shown.GetProperty("Servers")[0].GetProperty("instance_id").GetString());

        var denied = await Demo.TryAsync("usage", "list", "--start", start);
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("403", denied.ToString(), StringComparison.Ordinal);
        await Admin.RunAsync("server", "delete", "--wait", server);
    }

    [Fact]
    public async Task VolumeServices_ListAndSet()
    {
        var services = (await Admin.JsonAsync("volume", "service", "list")).EnumerateArray().ToList();
        Assert.Contains(services, s => Str(s, "Binary") == "cinder-volume" && Str(s, "Host") == $"{Host}@lvmdriver-1@RegionOne" && Str(s, "Zone") == "az1");
        Assert.Contains(services, s => Str(s, "Binary") == "cinder-scheduler" && Str(s, "Host") == $"{Host}@RegionTwo" && Str(s, "Zone") == "az2");

        await Admin.RunAsync("volume", "service", "set", "--disable", "--disable-reason", "cli swap", $"{Host}@lvmdriver-1@RegionTwo", "cinder-volume");
        var inPod = (await PodAsync("RegionTwo", "volume", "os-services?binary=cinder-volume")).GetProperty("services")[0];
        Assert.Equal("disabled", inPod.GetProperty("status").GetString());
        Assert.Equal("cli swap", inPod.GetProperty("disabled_reason").GetString());
        await Admin.RunAsync("volume", "service", "set", "--enable", $"{Host}@lvmdriver-1@RegionTwo", "cinder-volume");
        Assert.Equal("enabled", (await PodAsync("RegionTwo", "volume", "os-services?binary=cinder-volume")).GetProperty("services")[0].GetProperty("status").GetString());

        var denied = await Demo.TryAsync("volume", "service", "list");
        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("403", denied.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task NetworkAgents_ListShowSet()
    {
        var agents = (await Admin.JsonAsync("network", "agent", "list")).EnumerateArray().ToList();
        Assert.Equal(4, agents.Count(a => Str(a, "Host") == $"{Host}@RegionOne"));
        var l3 = agents.Single(a => Str(a, "Agent Type") == "L3 agent" && Str(a, "Host") == $"{Host}@RegionTwo");
        Assert.Equal("az2", Str(l3, "Availability Zone"));
        var id = Str(l3, "ID");

        var shown = await Admin.JsonAsync("network", "agent", "show", id);
        Assert.Equal($"{Host}@RegionTwo", Str(shown, "host"));
        await Admin.RunAsync("network", "agent", "set", "--disable", "--description", "cli drain", id);
        var inPod = (await PodAsync("RegionTwo", "network", "agents/" + id)).GetProperty("agent");
        Assert.False(inPod.GetProperty("admin_state_up").GetBoolean());
        Assert.Equal("cli drain", inPod.GetProperty("description").GetString());
        await Admin.RunAsync("network", "agent", "set", "--enable", id);

        Assert.Empty((await Demo.JsonAsync("network", "agent", "list")).EnumerateArray());
        var denied = await Demo.TryAsync("network", "agent", "show", id);
        Assert.NotEqual(0, denied.ExitCode);
    }
}
