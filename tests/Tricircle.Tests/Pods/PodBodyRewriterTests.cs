using System.Text;
using System.Text.Json.Nodes;

namespace Tricircle.Pods;

/// <summary>The forwarder's one-pass rewrite of a pod's answer: URLs made ours, a hook's parts edited in place, every other byte kept.</summary>
public sealed class PodBodyRewriterTests
{
    private const string Pod = "http://host/compute";
    private const string Own = "http://gw:19998";

    private static string Urls(string body)
    {
        using var output = new PooledBuffer(16);
        PodBodyRewriter.RewriteUrls(Encoding.UTF8.GetBytes(body), Encoding.UTF8.GetBytes(Pod), Encoding.UTF8.GetBytes(Own), output);
        return Encoding.UTF8.GetString(output.Span);
    }

    [Theory]
    [InlineData("""{"links":[{"href":"http://host/compute/v2.1/servers/1"},{"href":"http://host/compute"}],"name":"http://host/computer"}""")]
    [InlineData("""{"a":{"b":{"c":["x","http://host/compute/v2.1/a","see http://host/compute/v2.1/b here"]}}}""")]
    [InlineData("""{"fault":{"message":"\u00e9t\u00e9 \"quoted\" http://host/compute/x \\ tab\t","détails":"ünïcödé 😀 http://host/compute/é"}}""")]
    [InlineData("""{"href":"http://host/compute","other":"http://host/compute2","trail":"http://host/compute""")]
    [InlineData("not json at all: http://host/compute/v2.1 and \"http://host/compute\"")]
    [InlineData("")]
    public void RewriteUrls_DoesWhatTheTextRewriteDid(string body) =>
        Assert.Equal(PodForwarder.Rewrite(body, Pod, Own), Urls(body));

    [Fact]
    public void RewriteUrls_BigBody_EveryLinkAndNothingElse()
    {
        var servers = new JsonArray();
        for (var i = 0; i < 20_000; i++)
        {
            servers.Add(new JsonObject { ["id"] = i.ToString(), ["name"] = "ünï " + i, ["links"] = new JsonArray(new JsonObject { ["href"] = $"{Pod}/v2.1/servers/{i}" }) });
        }

        var body = new JsonObject { ["servers"] = servers }.ToJsonString();
        var rewritten = Urls(body);
        Assert.Equal(PodForwarder.Rewrite(body, Pod, Own), rewritten);
        Assert.DoesNotContain(Pod + "/", rewritten, StringComparison.Ordinal);
        Assert.Equal(20_000, JsonNode.Parse(rewritten)!["servers"]!.AsArray().Count(s => s!["links"]![0]!["href"]!.ToString().StartsWith(Own + "/v2.1/servers/", StringComparison.Ordinal)));
    }

    private static readonly string[][] ServerParts = [["server", "addresses"], ["server", "zone"], ["server", "security_groups"]];

    private static string Edit(string body, string[][] paths, Action<JsonObject> hook)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var parts = PodBodyRewriter.FindParts(bytes, paths);
        if (parts is null)
        {
            return "<not json>";
        }

        var view = PodBodyRewriter.View(parts);
        hook(view);
        using var output = new PooledBuffer(16);
        PodBodyRewriter.Splice(bytes, parts, view, output);
        return Encoding.UTF8.GetString(output.Span);
    }

    [Fact]
    public void Parts_OnlyTheDeclaredPropertiesChange_TheRestKeepsItsBytes()
    {
        // Spacing, key order, escapes and non-ASCII outside the parts stay exactly as the pod wrote them.
        var body = """{"server": {"id": "1", "name": "caf\u00e9 ü", "zone": "nova", "addresses": {"net-id": [{"addr": "10.0.0.1"}]}, "links": [], "security_groups": [{"name": "sg-id"}], "nested": {"zone": "untouched"}}, "zone": "root"}""";
        var edited = Edit(body, ServerParts, view =>
        {
            var server = view["server"]!.AsObject();
            Assert.Equal(3, server.Count); // the hook sees only what it declared
            server["zone"] = "az1";
            var addresses = server["addresses"]!.AsObject();
            var value = addresses["net-id"];
            addresses.Remove("net-id");
            addresses["net1"] = value;
            server["security_groups"] = new JsonArray(new JsonObject { ["name"] = "default" });
        });

        Assert.Equal(
            """{"server": {"id": "1", "name": "caf\u00e9 ü", "zone": "az1", "addresses": {"net1":[{"addr":"10.0.0.1"}]}, "links": [], "security_groups": [{"name":"default"}], "nested": {"zone": "untouched"}}, "zone": "root"}""",
            edited);
    }

    [Fact]
    public void Parts_AbsentOnesAreNotAdded_AndNullStaysNull()
    {
        var body = """{"server":{"id":"1","zone":null}}""";
        var edited = Edit(body, ServerParts, view =>
        {
            Assert.False(view["server"]!.AsObject().ContainsKey("addresses"));
            Assert.Null(view["server"]!["zone"]);
        });

        Assert.Equal(body, edited);
    }

    [Theory]
    [InlineData("""{"server": {"zone": "nova"}""")] // cut short
    [InlineData("""{"server": {"zone": "nova"}} trailing""")]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("")]
    public void Parts_OfABodyThatIsNotJson_AreNone(string body) =>
        Assert.Equal("<not json>", Edit(body, ServerParts, _ => Assert.Fail("the hook must not run")));

    [Fact]
    public void Parts_UnderARootThatIsNotAnObject_AreNone_AndTheBodyIsKept()
    {
        var body = """[{"server":{"zone":"nova"}}]""";
        Assert.Equal(body, Edit(body, ServerParts, view => Assert.Empty(view)));
    }

    [Fact]
    public void Parts_EscapedPropertyNamesMatch_AndEditedStringsAreEscapedAsJson()
    {
        var body = """{"instanceAction":{"request\u005fid":"req-pod","message":"x"}}""";
        var edited = Edit(body, [["instanceAction", "request_id"]], view => view["instanceAction"]!["request_id"] = "req-\"ours\"");
        Assert.Equal("""{"instanceAction":{"request\u005fid":"req-\u0022ours\u0022","message":"x"}}""", edited);
        Assert.Equal("req-\"ours\"", JsonNode.Parse(edited)!["instanceAction"]!["request_id"]!.ToString());
    }

    [Fact]
    public void Parts_UnderAnEscapedObjectName_AreFound_AndALookalikeIsNot()
    {
        var body = """{"serv\u0065r":{"zone":"nova","nested":{"zone":"x"}},"servers":{"zone":"y"}}""";
        Assert.Equal(
            """{"serv\u0065r":{"zone":"az1","nested":{"zone":"x"}},"servers":{"zone":"y"}}""",
            Edit(body, ServerParts, view => view["server"]!["zone"] = "az1"));
    }

    [Fact]
    public void Parts_SplicedOneAfterAnother_EachAnswerHoldsOnlyItsOwn_EvenAfterOneFailedHalfway()
    {
        // The splice's JSON writer is kept per thread: what one answer wrote (or began to write
        // before it failed) must never show up in the next.
        var body = """{"server": {"id": "1", "zone": "nova", "addresses": {}}}""";
        Assert.Throws<ArgumentException>(() => Edit(body, ServerParts, view => view["server"]!["zone"] = new JsonObject { ["written"] = "yes", ["then"] = JsonValue.Create(double.NaN) }));

        Assert.Equal(
            """{"server": {"id": "1", "zone": "az1", "addresses": {"n":[1]}}}""",
            Edit(body, ServerParts, view =>
            {
                view["server"]!["zone"] = "az1";
                view["server"]!["addresses"] = new JsonObject { ["n"] = new JsonArray(1) };
            }));
        Assert.Equal(body, Edit(body, ServerParts, _ => { }));
    }

    [Fact]
    public void Parts_InABigBody_AreFoundPastEverythingElse()
    {
        var padding = new JsonArray();
        for (var i = 0; i < 50_000; i++)
        {
            padding.Add(new JsonObject { ["k"] = i, ["s"] = "ünï\"\\" + i });
        }

        var body = new JsonObject { ["padding"] = padding, ["server"] = new JsonObject { ["zone"] = "nova" } }.ToJsonString();
        var edited = Edit(body, ServerParts, view => view["server"]!["zone"] = "az1");
        Assert.Equal(body.Replace("\"zone\":\"nova\"", "\"zone\":\"az1\"", StringComparison.Ordinal), edited);
    }
}
