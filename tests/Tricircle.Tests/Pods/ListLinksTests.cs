using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Pods;

/// <summary>
/// Lists merged from several pods link to the gateway, as shows do: every URL in a server or
/// volume list (self and bookmark links, image and flavor bookmarks) starts with the gateway's
/// address, none with a pod's.
/// </summary>
public abstract class ListLinksTests(GatewayFixture gateway)
{
    [Fact]
    public async Task ServerAndVolumeLists_LinkToTheGateway_NotToThePods()
    {
        var (token, project) = gateway.NewTenant("links");
        await gateway.BootAsync(token, "az1", "linked-1");
        await gateway.BootAsync(token, "az2", "linked-2");
        foreach (var az in (string[])["az1", "az2"])
        {
            var volume = await gateway.VolumeAsync(HttpMethod.Post, "volumes", token, JsonSerializer.Serialize(new { volume = new { size = 1, availability_zone = az } }), project: project);
            Assert.Equal(System.Net.HttpStatusCode.Accepted, volume.Status);
        }

        foreach (var (root, path) in new[]
        {
            (gateway.ComputeUrl, "servers"),
            (gateway.ComputeUrl, "servers/detail"),
            (gateway.VolumeUrl, project + "/volumes"),
            (gateway.VolumeUrl, project + "/volumes/detail"),
        })
        {
            var answer = await gateway.SendAsync(new Uri(root + "/" + path), HttpMethod.Get, token, microversion: root == gateway.ComputeUrl ? "2.37" : null, service: root == gateway.ComputeUrl ? "compute" : "volume");
            answer.AssertOk();
            var urls = Urls(answer.Json).ToList();
            Assert.NotEmpty(urls);
            var own = root.GetLeftPart(UriPartial.Authority);
            Assert.All(urls, url => Assert.StartsWith(own + "/", url, StringComparison.Ordinal));
        }
    }

    private static IEnumerable<string> Urls(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => Urls(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Urls),
        JsonValueKind.String when element.GetString()!.StartsWith("http", StringComparison.Ordinal) => [element.GetString()!],
        _ => [],
    };
}

public sealed class SqliteListLinksTests(SqliteGatewayFixture gateway) : ListLinksTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresListLinksTests(PostgresGatewayFixture gateway) : ListLinksTests(gateway), IClassFixture<PostgresGatewayFixture>;
