using System.Net;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Network;

/// <summary>The central Neutron's address scopes: CRUD and policy, pools joining them (IP version, no overlapping prefixes), networks' scopes, in-use delete.</summary>
public abstract class AddressScopesTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Scope_HoldsPoolsWithUniquePrefixes_AndShowsOnNetworks()
    {
        var (token, project) = gateway.NewTenant("scope");
        var (other, _) = gateway.NewTenant("scope2");
        var scope = await ScopeAsync(token, new { name = "s4", ip_version = 4 });
        var scopeId = scope.GetProperty("id").GetString()!;
        Assert.Equal(project, scope.GetProperty("project_id").GetString());
        Assert.False(scope.GetProperty("shared").GetBoolean());
        Assert.Equal(4, scope.GetProperty("ip_version").GetInt32());
        var v6 = (await ScopeAsync(token, new { name = "s6", ip_version = 6 })).GetProperty("id").GetString()!;

        var poolId = (await PoolAsync(token, new { name = "in-scope", prefixes = new[] { "10.150.0.0/16" }, address_scope_id = scopeId, default_prefixlen = 24 })).GetProperty("address_scope_id").GetString();
        Assert.Equal(scopeId, poolId);
        var pool = Ok(await gateway.NetworkAsync(HttpMethod.Get, "subnetpools?address_scope_id=" + scopeId, token)).GetProperty("subnetpools")[0].GetProperty("id").GetString()!;

        // Overlapping prefixes in one scope: Neutron's 409; another IP version: 400; disjoint: fine.
        (await PoolResponseAsync(token, new { name = "overlap", prefixes = new[] { "10.150.128.0/17" }, address_scope_id = scopeId })).AssertNeutronError(HttpStatusCode.Conflict, "AddressScopePrefixConflict");
        (await PoolResponseAsync(token, new { name = "v6", prefixes = new[] { "2001:db8:150::/48" }, address_scope_id = scopeId })).AssertNeutronError(HttpStatusCode.BadRequest, "IllegalSubnetPoolIpVersionAssociationToAddressScope");
        var second = (await PoolAsync(token, new { name = "disjoint", prefixes = new[] { "10.151.0.0/16" } })).GetProperty("id").GetString()!;
        Ok(await gateway.NetworkAsync(HttpMethod.Put, $"subnetpools/{pool}/add_prefixes", token, Json(new { prefixes = new[] { "10.151.0.0/24" } })));
        (await gateway.NetworkAsync(HttpMethod.Put, "subnetpools/" + second, token, Json(new { subnetpool = new { address_scope_id = scopeId } }))).AssertNeutronError(HttpStatusCode.Conflict, "AddressScopePrefixConflict");
        (await gateway.NetworkAsync(HttpMethod.Put, "subnetpools/" + second, token, Json(new { subnetpool = new { address_scope_id = v6 } }))).AssertNeutronError(HttpStatusCode.BadRequest, "IllegalSubnetPoolIpVersionAssociationToAddressScope");
        (await PoolResponseAsync(other, new { name = "foreign", prefixes = new[] { "10.152.0.0/16" }, address_scope_id = scopeId })).AssertNeutronError(HttpStatusCode.NotFound, "AddressScopeNotFound");
        Ok(await PoolResponseAsync(token, new { name = "v6pool", prefixes = new[] { "2001:db8:150::/48" }, address_scope_id = v6 }));

        // A network with a subnet from a pool in the scope is in that scope.
        var network = Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name = "scoped" } }))).GetProperty("network").GetProperty("id").GetString()!;
        Assert.Equal(System.Text.Json.JsonValueKind.Null, Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, token)).GetProperty("network").GetProperty("ipv4_address_scope").ValueKind);
        Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = network, ip_version = 4, subnetpool_id = pool } })));
        var shown = Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + network, token)).GetProperty("network");
        Assert.Equal(scopeId, shown.GetProperty("ipv4_address_scope").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, shown.GetProperty("ipv6_address_scope").ValueKind);
        Assert.Contains(Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks?id=" + network, token)).GetProperty("networks").EnumerateArray(), n => n.GetProperty("ipv4_address_scope").GetString() == scopeId);

        // In use: not deleted.
        Assert.Contains("subnet pools in use on the address scope", (await gateway.NetworkAsync(HttpMethod.Delete, "address-scopes/" + scopeId, token)).AssertNeutronError(HttpStatusCode.Conflict, "AddressScopeInUse"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scope_CrudAndPolicy()
    {
        var (token, _) = gateway.NewTenant("scopecrud");
        var (other, _) = gateway.NewTenant("scopecrud2");
        (await ScopeResponseAsync(token, new { name = "shared", ip_version = 4, shared = true })).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        Assert.Equal(HttpStatusCode.BadRequest, (await ScopeResponseAsync(token, new { name = "v5", ip_version = 5 })).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await ScopeResponseAsync(token, new { name = "none" })).Status);
        var id = (await ScopeAsync(token, new { name = "mine", ip_version = 6 })).GetProperty("id").GetString()!;
        (await gateway.NetworkAsync(HttpMethod.Get, "address-scopes/" + id, other)).AssertNeutronError(HttpStatusCode.NotFound, "AddressScopeNotFound");
        Assert.DoesNotContain(id, (await gateway.NetworkAsync(HttpMethod.Get, "address-scopes", other)).Text, StringComparison.Ordinal);
        Assert.Equal("renamed", Ok(await gateway.NetworkAsync(HttpMethod.Put, "address-scopes/" + id, token, Json(new { address_scope = new { name = "renamed" } }))).GetProperty("address_scope").GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await gateway.NetworkAsync(HttpMethod.Put, "address-scopes/" + id, token, Json(new { address_scope = new { ip_version = 4 } }))).Status);
        Assert.Equal([id], Ok(await gateway.NetworkAsync(HttpMethod.Get, "address-scopes?name=renamed&ip_version=6&sort_key=name&sort_dir=desc", token)).GetProperty("address_scopes").EnumerateArray().Select(s => s.GetProperty("id").GetString()));

        var shared = (await ScopeAsync(gateway.AdminToken, new { name = "shared", ip_version = 4, shared = true })).GetProperty("id").GetString()!;
        Assert.True(Ok(await gateway.NetworkAsync(HttpMethod.Get, "address-scopes/" + shared, other)).GetProperty("address_scope").GetProperty("shared").GetBoolean());
        (await gateway.NetworkAsync(HttpMethod.Put, "address-scopes/" + shared, other, Json(new { address_scope = new { name = "x" } }))).AssertNeutronError(HttpStatusCode.Forbidden, "PolicyNotAuthorized");
        (await gateway.NetworkAsync(HttpMethod.Put, "address-scopes/" + shared, gateway.AdminToken, Json(new { address_scope = new { shared = false } }))).AssertNeutronError(HttpStatusCode.BadRequest, "AddressScopeUpdateError");
        Ok(await PoolResponseAsync(other, new { name = "in-shared", prefixes = new[] { "10.160.0.0/16" }, address_scope_id = shared }));

        Assert.Equal(HttpStatusCode.NoContent, (await gateway.NetworkAsync(HttpMethod.Delete, "address-scopes/" + id, token)).Status);
        (await gateway.NetworkAsync(HttpMethod.Get, "address-scopes/" + id, token)).AssertNeutronError(HttpStatusCode.NotFound, "AddressScopeNotFound");
    }

    private async Task<System.Text.Json.JsonElement> ScopeAsync(string token, object scope) => Ok(await ScopeResponseAsync(token, scope)).GetProperty("address_scope");

    private Task<ApiResponse> ScopeResponseAsync(string token, object scope) => gateway.NetworkAsync(HttpMethod.Post, "address-scopes", token, Json(new { address_scope = scope }));

    private async Task<System.Text.Json.JsonElement> PoolAsync(string token, object pool) => Ok(await PoolResponseAsync(token, pool)).GetProperty("subnetpool");

    private Task<ApiResponse> PoolResponseAsync(string token, object pool) => gateway.NetworkAsync(HttpMethod.Post, "subnetpools", token, Json(new { subnetpool = pool }));
}

public sealed class AddressScopesSqliteTests(SqliteGatewayFixture gateway) : AddressScopesTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class AddressScopesPostgresTests(PostgresGatewayFixture gateway) : AddressScopesTests(gateway), IClassFixture<PostgresGatewayFixture>;
