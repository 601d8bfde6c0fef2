using System.Net;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Network;

/// <summary>
/// The central Neutron's subnet pools: Neutron's allocation from them (no overlap, prefix bounds,
/// per-project quota, default pools), prefix changes, visibility, and the pods' copies of a subnet
/// allocated from a pool (an ordinary subnet with the allocated CIDR).
/// </summary>
public abstract class SubnetPoolsTests(GatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    [Fact]
    public async Task Pool_AllocatesSubnetsWithoutOverlap_AndIsRefusedDeleteWhileInUse()
    {
        var (token, project) = gateway.NewTenant("pool");
        var pool = await PoolAsync(token, new { name = "p1", prefixes = new[] { "10.200.0.0/16" }, default_prefixlen = 24, tags = new[] { "blue" } });
        var poolId = pool.GetProperty("id").GetString()!;
        Assert.Equal(4, pool.GetProperty("ip_version").GetInt32());
        Assert.Equal(8, pool.GetProperty("min_prefixlen").GetInt32());
        Assert.Equal(32, pool.GetProperty("max_prefixlen").GetInt32());
        Assert.Equal(24, pool.GetProperty("default_prefixlen").GetInt32());
        Assert.False(pool.GetProperty("is_default").GetBoolean());
        Assert.False(pool.GetProperty("shared").GetBoolean());
        Assert.Equal(JsonValueKind.Null, pool.GetProperty("address_scope_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, pool.GetProperty("default_quota").ValueKind);
        Assert.Equal(project, pool.GetProperty("project_id").GetString());
        Assert.Equal(["blue"], pool.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var first = await SubnetAsync(token, await NetAsync(token), new { subnetpool_id = poolId });
        Assert.Equal("10.200.0.0/24", first.GetProperty("cidr").GetString());
        Assert.Equal("10.200.0.1", first.GetProperty("gateway_ip").GetString());
        Assert.Equal(poolId, first.GetProperty("subnetpool_id").GetString());
        var second = await SubnetAsync(token, await NetAsync(token), new { subnetpool_id = poolId, prefixlen = 26 });
        Assert.Equal("10.200.1.0/26", second.GetProperty("cidr").GetString()); // the smallest free block first, as Neutron
        var specific = await SubnetAsync(token, await NetAsync(token), new { subnetpool_id = poolId, cidr = "10.200.5.0/24" });
        Assert.Equal("10.200.5.0/24", specific.GetProperty("cidr").GetString());
        var message = (await SubnetResponseAsync(token, await NetAsync(token), new { subnetpool_id = poolId, cidr = "10.200.0.128/25" })).AssertNeutronError(HttpStatusCode.Conflict, "SubnetAllocationError");
        Assert.Contains("Cannot allocate requested subnet from the available set of prefixes", message, StringComparison.Ordinal);
        (await SubnetResponseAsync(token, await NetAsync(token), new { subnetpool_id = poolId, cidr = "10.201.0.0/24" })).AssertNeutronError(HttpStatusCode.Conflict, "SubnetAllocationError");

        // Listed by pool, shown with it; sorting and tags on pools as other resources.
        var listed = Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnets?subnetpool_id=" + poolId, token)).GetProperty("subnets").EnumerateArray().Select(s => s.GetProperty("cidr").GetString()).Order().ToList();
        Assert.Equal(["10.200.0.0/24", "10.200.1.0/26", "10.200.5.0/24"], listed);
        Assert.Equal([poolId], Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnetpools?tags=blue&sort_key=name&sort_dir=asc", token)).GetProperty("subnetpools").EnumerateArray().Select(p => p.GetProperty("id").GetString()));
        Assert.Equal(["id"], Ok(await gateway.NetworkAsync(HttpMethod.Get, $"subnetpools/{poolId}?fields=id", token)).GetProperty("subnetpool").EnumerateObject().Select(p => p.Name));
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.NetworkAsync(HttpMethod.Get, "subnetpools?colour=red", token)).Status);
        Assert.Equal(HttpStatusCode.Created, (await gateway.NetworkAsync(HttpMethod.Put, $"subnetpools/{poolId}/tags/green", token)).Status);

        // A pool in use is not deleted (Zed's SubnetPoolDeleteError); without subnets it is.
        var refused = (await gateway.NetworkAsync(HttpMethod.Delete, "subnetpools/" + poolId, token)).AssertNeutronError(HttpStatusCode.BadRequest, "SubnetPoolDeleteError");
        Assert.Contains("Subnet pool has existing allocations", refused, StringComparison.Ordinal);
        foreach (var subnet in new[] { first, second, specific })
        {
            Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "subnets/" + subnet.GetProperty("id").GetString(), token)).Status);
        }

        await gateway.JobsSettledAsync();
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "subnetpools/" + poolId, token)).Status);
        (await gateway.NetworkAsync(HttpMethod.Get, "subnetpools/" + poolId, token)).AssertNeutronError(HttpStatusCode.NotFound, "SubnetPoolNotFound");
    }

    [Fact]
    public async Task ConcurrentAllocations_FromOnePool_NeverOverlap()
    {
        var (token, _) = gateway.NewTenant("poolrace");
        var poolId = (await PoolAsync(token, new { name = "race", prefixes = new[] { "10.210.0.0/20" }, default_prefixlen = 24 })).GetProperty("id").GetString()!;
        var networks = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            networks.Add(await NetAsync(token));
        }

        var made = await Task.WhenAll(networks.Select(n => SubnetAsync(token, n, new { subnetpool_id = poolId })));
        var cidrs = made.Select(s => s.GetProperty("cidr").GetString()!).ToList();
        Assert.Equal(8, cidrs.Distinct(StringComparer.Ordinal).Count());
        Assert.All(cidrs, c => Assert.StartsWith("10.210.", c, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PrefixBoundsAndRequests_AreCheckedAsNeutron()
    {
        var (token, _) = gateway.NewTenant("poolbounds");
        var poolId = (await PoolAsync(token, new { name = "b", prefixes = new[] { "10.220.0.0/16" }, min_prefixlen = 20, max_prefixlen = 28, default_prefixlen = 24 })).GetProperty("id").GetString()!;
        var network = await NetAsync(token);
        Assert.Contains("minimum allowed prefix is 20", (await SubnetResponseAsync(token, network, new { subnetpool_id = poolId, prefixlen = 16 })).AssertNeutronError(HttpStatusCode.BadRequest, "MinPrefixSubnetAllocationError"), StringComparison.Ordinal);
        Assert.Contains("maximum allowed prefix is 28", (await SubnetResponseAsync(token, network, new { subnetpool_id = poolId, prefixlen = 30 })).AssertNeutronError(HttpStatusCode.BadRequest, "MaxPrefixSubnetAllocationError"), StringComparison.Ordinal);
        Assert.Contains("cidr and prefixlen must not be supplied together", (await SubnetResponseAsync(token, network, new { subnetpool_id = poolId, prefixlen = 24, cidr = "10.220.0.0/24" })).AssertNeutronError(HttpStatusCode.BadRequest, "BadRequest"), StringComparison.Ordinal);
        Assert.Contains("allocation_pools allowed only for specific subnet requests", (await SubnetResponseAsync(token, network, new { subnetpool_id = poolId, allocation_pools = new[] { new { start = "10.220.0.10", end = "10.220.0.20" } } })).AssertNeutronError(HttpStatusCode.BadRequest, "BadRequest"), StringComparison.Ordinal);
        Assert.Contains("Cannot allocate IPv6 subnet from IPv4 subnet pool", (await SubnetResponseAsync(token, network, new { subnetpool_id = poolId, ip_version = 6 })).AssertNeutronError(HttpStatusCode.BadRequest, "BadRequest"), StringComparison.Ordinal);
        Assert.Contains("Cannot allocate IPv6 subnet from IPv4 subnet pool", (await SubnetResponseAsync(token, network, new { subnetpool_id = poolId, cidr = "::adc:0/120" })).AssertNeutronError(HttpStatusCode.BadRequest, "BadRequest"), StringComparison.Ordinal); // numerically inside 10.220.0.0/16
        Assert.Contains("a subnetpool must be specified in the absence of a cidr", (await SubnetResponseAsync(token, network, new { prefixlen = 24 })).AssertNeutronError(HttpStatusCode.BadRequest, "BadRequest"), StringComparison.Ordinal);
        (await SubnetResponseAsync(token, network, new { subnetpool_id = Guid.NewGuid().ToString() })).AssertNeutronError(HttpStatusCode.NotFound, "SubnetPoolNotFound");

        // A network's subnets of one IP version come from one pool.
        Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = network, ip_version = 4, cidr = "10.221.0.0/24" } })));
        (await SubnetResponseAsync(token, network, new { subnetpool_id = poolId })).AssertNeutronError(HttpStatusCode.BadRequest, "NetworkSubnetPoolAffinityError");

        // Pool bodies.
        (await PoolResponseAsync(token, new { name = "x", prefixes = Array.Empty<string>() })).AssertNeutronError(HttpStatusCode.BadRequest, "EmptySubnetPoolPrefixList");
        (await PoolResponseAsync(token, new { name = "x", prefixes = new[] { "10.0.0.0/8", "2001:db8::/32" } })).AssertNeutronError(HttpStatusCode.BadRequest, "PrefixVersionMismatch");
        Assert.Contains("min_prefixlen=30, max_prefixlen=28", (await PoolResponseAsync(token, new { name = "x", prefixes = new[] { "10.0.0.0/8" }, min_prefixlen = 30, max_prefixlen = 28 })).AssertNeutronError(HttpStatusCode.BadRequest, "IllegalSubnetPoolPrefixBounds"), StringComparison.Ordinal);
        (await PoolResponseAsync(token, new { name = "x", prefixes = new[] { "10.0.0.0/8" }, max_prefixlen = 33 })).AssertNeutronError(HttpStatusCode.BadRequest, "IllegalSubnetPoolPrefixBounds");
        (await PoolResponseAsync(token, new { name = "x", prefixes = new[] { "10.0.0.1/8" } })).AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput");
        Assert.Equal(HttpStatusCode.BadRequest, (await PoolResponseAsync(token, new { prefixes = new[] { "10.0.0.0/8" } })).Status); // name is required
        var v6 = await PoolAsync(token, new { name = "v6", prefixes = new[] { "2001:db8:1::/48", "2001:db8:1::/56" } });
        Assert.Equal(6, v6.GetProperty("ip_version").GetInt32());
        Assert.Equal(64, v6.GetProperty("default_prefixlen").GetInt32());
        Assert.Equal(["2001:db8:1::/48"], v6.GetProperty("prefixes").EnumerateArray().Select(p => p.GetString())); // compacted
    }

    [Fact]
    public async Task Quota_CountsTheProjectsPrefixSpaceInThePool()
    {
        var (token, _) = gateway.NewTenant("poolquota");
        var (other, _) = gateway.NewTenant("poolquota2");
        var poolId = (await PoolAsync(gateway.AdminToken, new { name = "q", prefixes = new[] { "10.230.0.0/16" }, default_prefixlen = 24, default_quota = 512, shared = true })).GetProperty("id").GetString()!;
        await SubnetAsync(token, await NetAsync(token), new { subnetpool_id = poolId });
        await SubnetAsync(token, await NetAsync(token), new { subnetpool_id = poolId });
        var message = (await SubnetResponseAsync(token, await NetAsync(token), new { subnetpool_id = poolId, prefixlen = 30 })).AssertNeutronError(HttpStatusCode.Conflict, "SubnetPoolQuotaExceeded");
        Assert.Contains("Per-tenant subnet pool prefix quota exceeded", message, StringComparison.Ordinal);
        Assert.StartsWith("10.230.", (await SubnetAsync(other, await NetAsync(other), new { subnetpool_id = poolId })).GetProperty("cidr").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DefaultPool_OnePerIpVersion_UsedByUseDefaultSubnetpool()
    {
        var (token, _) = gateway.NewTenant("pooldefault");
        (await PoolResponseAsync(token, new { name = "mine", prefixes = new[] { "10.240.0.0/16" }, is_default = true })).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        var network = await NetAsync(token);
        Assert.Contains("No default subnetpool found for IPv4", (await SubnetResponseAsync(token, network, new { use_default_subnetpool = true, ip_version = 4 })).AssertNeutronError(HttpStatusCode.BadRequest, "BadRequest"), StringComparison.Ordinal);

        var poolId = (await PoolAsync(gateway.AdminToken, new { name = "default4", prefixes = new[] { "10.240.0.0/16" }, default_prefixlen = 26, is_default = true, shared = true })).GetProperty("id").GetString()!;
        Assert.Contains("Only one default may exist per IP family", (await PoolResponseAsync(gateway.AdminToken, new { name = "another", prefixes = new[] { "10.241.0.0/16" }, is_default = true })).AssertNeutronError(HttpStatusCode.BadRequest, "InvalidInput"), StringComparison.Ordinal);
        var subnet = await SubnetAsync(token, network, new { use_default_subnetpool = true, ip_version = 4 });
        Assert.Equal(poolId, subnet.GetProperty("subnetpool_id").GetString());
        Assert.Equal("10.240.0.0/26", subnet.GetProperty("cidr").GetString());
        Assert.Contains("cannot both be specified", (await SubnetResponseAsync(token, network, new { use_default_subnetpool = true, subnetpool_id = poolId })).AssertNeutronError(HttpStatusCode.BadRequest, "BadRequest"), StringComparison.Ordinal);
        Assert.Contains("No default subnetpool found for IPv6", (await SubnetResponseAsync(token, network, new { use_default_subnetpool = true, ip_version = 6 })).AssertNeutronError(HttpStatusCode.BadRequest, "BadRequest"), StringComparison.Ordinal);

        // Only an admin changes is_default; unset, the pool stops being the default.
        (await gateway.NetworkAsync(HttpMethod.Put, "subnetpools/" + poolId, token, Json(new { subnetpool = new { is_default = false } }))).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        Assert.False(Ok(await gateway.NetworkAsync(HttpMethod.Put, "subnetpools/" + poolId, gateway.AdminToken, Json(new { subnetpool = new { is_default = false } }))).GetProperty("subnetpool").GetProperty("is_default").GetBoolean());
        (await SubnetResponseAsync(token, await NetAsync(token), new { use_default_subnetpool = true, ip_version = 4 })).AssertNeutronError(HttpStatusCode.BadRequest, "BadRequest");
    }

    [Fact]
    public async Task Prefixes_GrowByAddAndUpdate_AndShrinkOnlyWhereUnused()
    {
        var (token, _) = gateway.NewTenant("poolprefix");
        var poolId = (await PoolAsync(token, new { name = "grow", prefixes = new[] { "10.250.0.0/24" }, default_prefixlen = 26 })).GetProperty("id").GetString()!;
        var added = Ok(await gateway.NetworkAsync(HttpMethod.Put, $"subnetpools/{poolId}/add_prefixes", token, Json(new { prefixes = new[] { "10.250.1.0/24", "10.250.4.0/24" } })));
        Assert.Equal(["10.250.0.0/23", "10.250.4.0/24"], added.GetProperty("prefixes").EnumerateArray().Select(p => p.GetString()));
        var used = await SubnetAsync(token, await NetAsync(token), new { subnetpool_id = poolId, cidr = "10.250.4.0/26" });

        Assert.Contains("in use by a subnet", (await gateway.NetworkAsync(HttpMethod.Put, $"subnetpools/{poolId}/remove_prefixes", token, Json(new { prefixes = new[] { "10.250.4.0/24" } }))).AssertNeutronError(HttpStatusCode.BadRequest, "IllegalSubnetPoolPrefixUpdate"), StringComparison.Ordinal);
        var removed = Ok(await gateway.NetworkAsync(HttpMethod.Put, $"subnetpools/{poolId}/remove_prefixes", token, Json(new { prefixes = new[] { "10.250.1.0/24" } })));
        Assert.Equal(["10.250.0.0/24", "10.250.4.0/24"], removed.GetProperty("prefixes").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.NetworkAsync(HttpMethod.Put, $"subnetpools/{poolId}/add_prefixes", token, Json(new { prefixes = Array.Empty<string>() }))).Status);
        (await gateway.NetworkAsync(HttpMethod.Put, $"subnetpools/{poolId}/add_prefixes", token, Json(new { prefixes = new[] { "2001:db8::/64" } }))).AssertNeutronError(HttpStatusCode.BadRequest, "PrefixVersionMismatch");

        // An update's prefixes must keep the current ones.
        Assert.Contains("Existing prefixes must be a subset of the new prefixes", (await gateway.NetworkAsync(HttpMethod.Put, "subnetpools/" + poolId, token, Json(new { subnetpool = new { prefixes = new[] { "10.250.0.0/24" } } }))).AssertNeutronError(HttpStatusCode.BadRequest, "IllegalSubnetPoolPrefixUpdate"), StringComparison.Ordinal);
        var updated = Ok(await gateway.NetworkAsync(HttpMethod.Put, "subnetpools/" + poolId, token, Json(new { subnetpool = new { name = "grown", prefixes = new[] { "10.250.0.0/16" }, default_quota = 1024 } }))).GetProperty("subnetpool");
        Assert.Equal(["10.250.0.0/16"], updated.GetProperty("prefixes").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("grown", updated.GetProperty("name").GetString());
        Assert.Equal(1024, updated.GetProperty("default_quota").GetInt32());
        Assert.True(updated.GetProperty("revision_number").GetInt32() > 1);
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.NetworkAsync(HttpMethod.Put, "subnetpools/" + poolId, token, Json(new { subnetpool = new { shared = true } }))).Status); // allow_put False
        Assert.Equal("10.250.4.0/26", used.GetProperty("cidr").GetString());
    }

    [Fact]
    public async Task Visibility_AnotherProjectsPoolIsNotSeen_ASharedOneIs()
    {
        var (owner, _) = gateway.NewTenant("poolowner");
        var (other, _) = gateway.NewTenant("poolother");
        var privateId = (await PoolAsync(owner, new { name = "private", prefixes = new[] { "10.251.0.0/16" } })).GetProperty("id").GetString()!;
        (await gateway.NetworkAsync(HttpMethod.Get, "subnetpools/" + privateId, other)).AssertNeutronError(HttpStatusCode.NotFound, "SubnetPoolNotFound");
        Assert.DoesNotContain(privateId, (await gateway.NetworkAsync(HttpMethod.Get, "subnetpools", other)).Text, StringComparison.Ordinal);
        (await SubnetResponseAsync(other, await NetAsync(other), new { subnetpool_id = privateId })).AssertNeutronError(HttpStatusCode.NotFound, "SubnetPoolNotFound");
        (await gateway.NetworkAsync(HttpMethod.Delete, "subnetpools/" + privateId, other)).AssertNeutronError(HttpStatusCode.NotFound, "SubnetPoolNotFound");
        (await PoolResponseAsync(owner, new { name = "s", prefixes = new[] { "10.252.0.0/16" }, shared = true })).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");

        var sharedId = (await PoolAsync(gateway.AdminToken, new { name = "shared", prefixes = new[] { "10.252.0.0/16" }, shared = true, default_prefixlen = 24 })).GetProperty("id").GetString()!;
        Assert.True(Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnetpools/" + sharedId, other)).GetProperty("subnetpool").GetProperty("shared").GetBoolean());
        Assert.Contains(sharedId, (await gateway.NetworkAsync(HttpMethod.Get, "subnetpools?shared=true", other)).Text, StringComparison.Ordinal);
        (await gateway.NetworkAsync(HttpMethod.Put, "subnetpools/" + sharedId, other, Json(new { subnetpool = new { name = "mine" } }))).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        (await gateway.NetworkAsync(HttpMethod.Delete, "subnetpools/" + sharedId, other)).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        var subnet = await SubnetAsync(other, await NetAsync(other), new { subnetpool_id = sharedId });
        Assert.StartsWith("10.252.", subnet.GetProperty("cidr").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PodCopy_OfASubnetFromAPool_HasTheAllocatedCidr()
    {
        var (token, _) = gateway.NewTenant("poolpod");
        var poolId = (await PoolAsync(token, new { name = "pod", prefixes = new[] { "10.253.0.0/16" }, default_prefixlen = 24 })).GetProperty("id").GetString()!;
        var network = await NetAsync(token);
        var subnet = await SubnetAsync(token, network, new { subnetpool_id = poolId, prefixlen = 25 });
        var cidr = subnet.GetProperty("cidr").GetString()!;
        Assert.Equal("10.253.0.0/25", cidr);

        var server = await _steps.BootAsync(token, network, "az1");
        await _steps.ActiveAsync(token, server);
        var copy = await _steps.BottomAsync("RegionOne", "subnets", subnet.GetProperty("id").GetString()!);
        Assert.Equal(cidr, copy.GetProperty("cidr").GetString());
        Assert.True(!copy.TryGetProperty("subnetpool_id", out var podPool) || podPool.ValueKind == JsonValueKind.Null); // pods need no pools
        var port = await _steps.ServerPortAsync(token, server);
        Assert.StartsWith("10.253.0.", port.GetProperty("fixed_ips")[0].GetProperty("ip_address").GetString(), StringComparison.Ordinal);
    }

    internal async Task<JsonElement> PoolAsync(string token, object pool) => Ok(await PoolResponseAsync(token, pool)).GetProperty("subnetpool");

    internal Task<ApiResponse> PoolResponseAsync(string token, object pool) => gateway.NetworkAsync(HttpMethod.Post, "subnetpools", token, Json(new { subnetpool = pool }));

    internal async Task<string> NetAsync(string token) =>
        Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = "pooled" } }))).GetProperty("network").GetProperty("id").GetString()!;

    internal async Task<JsonElement> SubnetAsync(string token, string network, object subnet) => Ok(await SubnetResponseAsync(token, network, subnet)).GetProperty("subnet");

    internal Task<ApiResponse> SubnetResponseAsync(string token, string network, object subnet)
    {
        var body = JsonSerializer.SerializeToNode(subnet)!.AsObject();
        body["network_id"] = network;
        return gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = body }));
    }
}

public sealed class SubnetPoolsSqliteTests(SqliteGatewayFixture gateway) : SubnetPoolsTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class SubnetPoolsPostgresTests(PostgresGatewayFixture gateway) : SubnetPoolsTests(gateway), IClassFixture<PostgresGatewayFixture>;
