using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>The real <c>openstack</c> CLI against the central Neutron's address scopes and subnet pools.</summary>
public sealed class SubnetPoolCliTests(SqliteGatewayFixture gateway) : IClassFixture<SqliteGatewayFixture>
{
    [Fact]
    public async Task OpenStackCli_AddressScopeAndSubnetPool_CreateListShowSetDelete_AndSubnetFromPool()
    {
        var demo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.demo"));
        var altDemo = OpenStackCli.FromOpenrc(Path.Combine(gateway.DataDirectory, "openrc.alt_demo"));

        static Task<JsonElement> Os(OpenStackCli who, params string[] args) => who.JsonAsync(args);
        static Task OsQuiet(OpenStackCli who, params string[] args) => who.RunAsync(args);

        var scope = await Os(demo, "address", "scope", "create", "--ip-version", "4", "cli-scope");
        var scopeId = scope.GetProperty("id").GetString()!;
        Assert.Contains((await Os(demo, "address", "scope", "list")).EnumerateArray(), s => s.GetProperty("ID").GetString() == scopeId);
        await OsQuiet(demo, "address", "scope", "set", "--name", "cli-scope2", scopeId);
        Assert.Equal("cli-scope2", (await Os(demo, "address", "scope", "show", scopeId)).GetProperty("name").GetString());

        var pool = await Os(demo, "subnet", "pool", "create", "--pool-prefix", "10.170.0.0/16", "--default-prefix-length", "24", "--address-scope", "cli-scope2", "--description", "cli pool", "cli-pool");
        var poolId = pool.GetProperty("id").GetString()!;
        Assert.Equal(scopeId, pool.GetProperty("address_scope_id").GetString());
        Assert.Contains((await Os(demo, "subnet", "pool", "list")).EnumerateArray(), p => p.GetProperty("ID").GetString() == poolId);
        await OsQuiet(demo, "subnet", "pool", "set", "--pool-prefix", "10.171.0.0/16", "--max-prefix-length", "28", poolId);
        var shown = await Os(demo, "subnet", "pool", "show", "cli-pool");
        Assert.Equal(28, shown.GetProperty("max_prefixlen").GetInt32());
        Assert.Equal(["10.170.0.0/15"], shown.GetProperty("prefixes").EnumerateArray().Select(p => p.GetString())); // compacted, as Neutron
        Assert.NotEqual(0, (await altDemo.TryAsync("subnet", "pool", "show", poolId)).ExitCode);

        await Os(demo, "network", "create", "cli-pool-net");
        var subnet = await Os(demo, "subnet", "create", "--network", "cli-pool-net", "--subnet-pool", "cli-pool", "--prefix-length", "26", "cli-pool-sub");
        Assert.Equal("10.170.0.0/26", subnet.GetProperty("cidr").GetString());
        Assert.Equal(poolId, subnet.GetProperty("subnetpool_id").GetString());
        Assert.NotEqual(0, (await demo.TryAsync("subnet", "pool", "delete", poolId)).ExitCode); // in use

        await OsQuiet(demo, "subnet", "delete", "cli-pool-sub");
        await gateway.JobsSettledAsync();
        await OsQuiet(demo, "subnet", "pool", "delete", poolId);
        Assert.DoesNotContain(poolId, (await Os(demo, "subnet", "pool", "list")).ToString(), StringComparison.Ordinal);
        await OsQuiet(demo, "address", "scope", "delete", scopeId);
        Assert.DoesNotContain(scopeId, (await Os(demo, "address", "scope", "list")).ToString(), StringComparison.Ordinal);
        await OsQuiet(demo, "network", "delete", "cli-pool-net");
    }
}
