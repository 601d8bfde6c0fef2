using System.Text.Json;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>The real openstack CLI (novaclient/openstacksdk) against the emulated Nova.</summary>
public sealed class NovaCliTests(RegionCli cli) : IClassFixture<RegionCli>
{
    private static string Field(JsonDocument document, string name) => document.RootElement.GetProperty(name).ToString();

    [Fact]
    public async Task OpenStackCli_FlavorKeypairServerLifecycle()
    {
        using var flavors = await cli.RunJsonAsync("flavor", "list", "-f", "json");
        var names = flavors.RootElement.EnumerateArray().Select(f => f.GetProperty("Name").GetString()).ToList();
        Assert.Contains("m1.tiny", names);
        Assert.Contains("m1.small", names);

        var (privateKey, _) = await cli.RunAsync("keypair", "create", "cli-key");
        Assert.Contains("PRIVATE KEY", privateKey, StringComparison.Ordinal);
        using var keypairs = await cli.RunJsonAsync("keypair", "list", "-f", "json");
        var key = Assert.Single(keypairs.RootElement.EnumerateArray(), k => k.GetProperty("Name").GetString() == "cli-key");
        Assert.Matches("^([0-9a-f]{2}:){15}[0-9a-f]{2}$", key.GetProperty("Fingerprint").GetString());

        using var server = await cli.RunJsonAsync("--os-compute-api-version", "2.37", "server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--nic", "none", "--key-name", "cli-key", "--wait", "cli-server", "-f", "json");
        var id = Field(server, "id");
        Assert.Equal("ACTIVE", Field(server, "status"));

        using var shown = await cli.RunJsonAsync("server", "show", id, "-f", "json");
        Assert.Equal("cli-server", Field(shown, "name"));
        Assert.Equal("cli-key", Field(shown, "key_name"));
        Assert.Equal("nova", Field(shown, "OS-EXT-AZ:availability_zone"));

        await cli.RunAsync("server", "stop", id);
        using var stopped = await cli.RunJsonAsync("server", "show", id, "-f", "json");
        Assert.Equal("SHUTOFF", Field(stopped, "status"));
        await cli.RunAsync("server", "start", id);
        using var started = await cli.RunJsonAsync("server", "show", id, "-f", "json");
        Assert.Equal("ACTIVE", Field(started, "status"));

        using var list = await cli.RunJsonAsync("server", "list", "-f", "json");
        Assert.Contains(list.RootElement.EnumerateArray(), s => s.GetProperty("ID").GetString() == id);

        await cli.RunAsync("server", "delete", "--wait", id);
        Assert.Empty(cli.Region.Inspect("servers"));
        var (code, _, stderr) = await cli.TryRunAsync("server", "show", id);
        Assert.NotEqual(0, code);
        Assert.Contains("No server with a name or ID", stderr, StringComparison.Ordinal);

        await cli.RunAsync("keypair", "delete", "cli-key");
        Assert.Empty(cli.Region.Inspect("keypairs"));
    }

    [Fact]
    public async Task OpenStackCli_AvailabilityZonesServicesHypervisorsAggregates()
    {
        using var zones = await cli.RunJsonAsync("availability", "zone", "list", "--compute", "-f", "json");
        Assert.Contains(zones.RootElement.EnumerateArray(), z => z.GetProperty("Zone Name").GetString() == "nova");

        using var services = await cli.RunJsonAsync("compute", "service", "list", "-f", "json");
        Assert.Contains(services.RootElement.EnumerateArray(), s => s.GetProperty("Binary").GetString() == "nova-compute" && s.GetProperty("State").GetString() == "up");

        using var hypervisors = await cli.RunJsonAsync("hypervisor", "list", "-f", "json");
        Assert.Equal(2, hypervisors.RootElement.GetArrayLength()); // two compute hosts by default

        using var aggregate = await cli.RunJsonAsync("aggregate", "create", "--zone", "az-cli", "cli-agg", "-f", "json");
        Assert.Equal("az-cli", Field(aggregate, "availability_zone"));
        await cli.RunAsync("aggregate", "set", "--property", "ssd=true", "cli-agg");
        using var shown = await cli.RunJsonAsync("aggregate", "show", "cli-agg", "-f", "json");
        Assert.Contains("ssd", shown.RootElement.GetProperty("properties").ToString(), StringComparison.Ordinal);
        await cli.RunAsync("aggregate", "delete", "cli-agg");
        Assert.Empty(cli.Region.Inspect("aggregates"));
    }
}
