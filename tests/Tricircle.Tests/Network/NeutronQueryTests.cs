using System.Text.Json.Nodes;
using Dapper;
using Microsoft.AspNetCore.Http;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Support;

namespace Tricircle.Network;

/// <summary>Neutron's list query in SQL on both dialects: filters, sorting, keyset paging with links.</summary>
public abstract class NeutronQueryTests(string dialect) : IAsyncLifetime
{
    private static readonly NeutronListSchema Schema = new NeutronListSchema("Network", "networks n", "n.id")
        .Attribute("id", "n.id")
        .Attribute("name", "n.name")
        .Attribute("project_id", "n.project_id")
        .Attribute("shared", "n.shared", NeutronValueKind.Bool)
        .Attribute("mtu", "n.mtu", NeutronValueKind.Int)
        .Attribute("provider:segmentation_id", "n.segmentation_id", NeutronValueKind.Int, sortExpression: "COALESCE(n.segmentation_id, -1)")
        .TagFilters("networks");

    private TestDatabase _db = null!;
    private Database _database = null!;

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(dialect);
        _database = _db.Open();
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        var now = DateTime.UtcNow;
        for (var i = 0; i < 10; i++)
        {
            await connection.ExecuteAsync(
                "INSERT INTO networks (id, project_id, name, shared, mtu, network_type, segmentation_id, created_at, updated_at) VALUES (@id, @project, @name, @shared, @mtu, 'vxlan', @seg, @now, @now)",
                new { id = $"id-{i:D2}", project = i % 2 == 0 ? "even" : "odd", name = $"net{i % 3}", shared = i < 3, mtu = 1450 + i, seg = i % 4 == 0 ? (int?)null : 1000 + i, now });
        }

        await connection.ExecuteAsync("INSERT INTO neutron_tags (resource_type, resource_id, tag) VALUES ('networks', 'id-01', 'red'), ('networks', 'id-01', 'blue'), ('networks', 'id-02', 'red')");
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _db.DisposeAsync();
    }

    private async Task<(List<string> Ids, JsonObject Response)> ListAsync(string queryString, string? visibleProject = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("gw:9696");
        context.Request.Path = "/v2.0/networks";
        context.Request.QueryString = new QueryString(queryString);
        var query = NeutronQuery.Parse(context.Request.Query, Schema);
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        var sql = new NeutronSql();
        var visibility = visibleProject is null ? null : $"n.project_id = {sql.Param(visibleProject)}";
        var ids = await query.ListAsync<string>(connection, Schema, "n.id", visibility, sql, CancellationToken.None);
        var response = query.Respond(context, "networks", [.. ids.Select(id => new JsonObject { ["id"] = id, ["name"] = "x" })]);
        return (ids, response);
    }

    [Fact]
    public async Task Filters_RepeatedKeyIsOr_DifferentKeysAreAnd()
    {
        Assert.Equal(["id-00", "id-02", "id-03", "id-05", "id-06", "id-08", "id-09"], (await ListAsync("?name=net0&name=net2")).Ids);
        Assert.Equal(["id-00", "id-06"], (await ListAsync("?name=net0&project_id=even")).Ids);
        Assert.Equal(["id-00", "id-01", "id-02"], (await ListAsync("?shared=True")).Ids);
        Assert.Equal(["id-05"], (await ListAsync("?mtu=1455")).Ids);
        Assert.Equal(["id-01"], (await ListAsync("?tags=red,blue")).Ids);
        Assert.Equal(["id-01", "id-02"], (await ListAsync("?tags-any=red")).Ids);
        Assert.Equal(8, (await ListAsync("?not-tags-any=red")).Ids.Count);
        Assert.Equal(["id-00", "id-04", "id-08"], (await ListAsync("?provider:segmentation_id=")).Ids);
    }

    [Fact]
    public async Task Sort_ByKeysAndDirections_IdBreaksTies()
    {
        var (ids, _) = await ListAsync("?sort_key=name&sort_dir=desc&sort_key=mtu&sort_dir=asc");
        Assert.Equal(["id-02", "id-05", "id-08", "id-01", "id-04", "id-07", "id-00", "id-03", "id-06", "id-09"], ids);
    }

    [Fact]
    public async Task Paging_WalksEveryRowOnce_WithLinks()
    {
        var seen = new List<string>();
        var next = "?sort_key=provider:segmentation_id&sort_dir=asc&limit=3";
        for (var page = 0; page < 10 && next is not null; page++)
        {
            var (ids, response) = await ListAsync(next);
            seen.AddRange(ids);
            var href = response["networks_links"]!.AsArray().FirstOrDefault(l => (string?)l!["rel"] == "next")?["href"]?.GetValue<string>();
            next = href is null ? null : new Uri(href).Query;
            if (href is not null)
            {
                Assert.StartsWith("http://gw:9696/v2.0/networks?", href, StringComparison.Ordinal);
            }
        }

        Assert.Equal(10, seen.Count);
        Assert.Equal(10, seen.Distinct().Count());
        Assert.Equal(["id-00", "id-04", "id-08"], seen.Take(3).Order());
    }

    [Fact]
    public async Task AnEmptyLastPage_HasNoNext_AndItsPreviousIsTheLastPage()
    {
        var (_, second) = await ListAsync("?limit=5&marker=id-04");
        var next = new Uri((string)second["networks_links"]!.AsArray().Single(l => (string?)l!["rel"] == "next")!["href"]!).Query;
        var (empty, response) = await ListAsync(next);
        Assert.Empty(empty);
        var links = response["networks_links"]!.AsArray();
        var previous = (string)Assert.Single(links)!["href"]!; // as Neutron: no next, a previous without a marker
        Assert.Equal("previous", (string?)links[0]!["rel"]);
        Assert.DoesNotContain("marker", previous, StringComparison.Ordinal);
        var (last, _) = await ListAsync(new Uri(previous).Query);
        Assert.Equal(["id-05", "id-06", "id-07", "id-08", "id-09"], last);
    }

    [Fact]
    public async Task PageReverse_GivesThePageBeforeTheMarker()
    {
        var (ids, response) = await ListAsync("?limit=2&marker=id-05&page_reverse=True");
        Assert.Equal(["id-03", "id-04"], ids);
        Assert.Equal(2, response["networks_links"]!.AsArray().Count);
    }

    [Fact]
    public async Task Marker_OutsideWhatTheCallerSees_IsNotFound()
    {
        var error = await Assert.ThrowsAsync<TricircleException>(() => ListAsync("?limit=2&marker=id-01", visibleProject: "even"));
        Assert.Equal(ErrorKind.NotFound, error.Kind);
        Assert.Equal("NetworkNotFound", error.Type);
    }

    [Fact]
    public async Task Fields_KeepOnlyTheAskedAttributes()
    {
        var (_, response) = await ListAsync("?fields=name&limit=1");
        var first = response["networks"]!.AsArray()[0]!.AsObject();
        Assert.Equal(["name"], first.Select(p => p.Key));
        Assert.Contains("marker=id-00", (string)response["networks_links"]![0]!["href"]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?sort_key=bogus&sort_dir=asc", "['bogus'] is invalid attribute for sort_keys")]
    [InlineData("?sort_key=name", "The number of sort_keys and sort_dirs must be same")]
    [InlineData("?sort_key=name&sort_dir=up", "['up'] is invalid value for sort_dirs, valid value is 'asc' and 'desc'")]
    [InlineData("?limit=-1", "Limit must be an integer 0 or greater and not '-1'")]
    [InlineData("?limit=many", "Limit must be an integer 0 or greater and not 'many'")]
    [InlineData("?colour=red", "['colour'] is invalid attribute for filtering")]
    public async Task BadQuery_Is400(string query, string message)
    {
        var error = await Assert.ThrowsAsync<TricircleException>(() => ListAsync(query));
        Assert.Equal(ErrorKind.Invalid, error.Kind);
        Assert.Equal(message, error.Message);
    }
}

public sealed class SqliteNeutronQueryTests() : NeutronQueryTests("sqlite");

public sealed class PostgresNeutronQueryTests() : NeutronQueryTests("postgres");
