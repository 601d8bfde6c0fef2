using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Tricircle.Support;
using static Tricircle.Support.NetworkSteps;

namespace Tricircle.Compute;

/// <summary>
/// The Nova gateway answers as a Zed region does where clients look (issue 15): microversion
/// headers and <c>x-compute-request-id</c> on every answer it writes itself, errors included; the
/// version documents with the legacy v2.0; x509 keypairs; <c>ips/{label}</c> by the central
/// network's name; security groups by their central names.
/// </summary>
public abstract class NovaFidelityTests(GatewayFixture gateway)
{
    private readonly NetworkSteps _steps = new(gateway);

    private Uri Root => new(gateway.ComputeUrl.ToString().TrimEnd('/')[..^"/v2.1".Length] + "/");

    private static string? Header(ApiResponse response, string name) =>
        response.Message.Headers.TryGetValues(name, out var values) ? string.Join("|", values) : null;

    private static void AssertVersion(ApiResponse response, string version)
    {
        Assert.True(Header(response, "OpenStack-API-Version") == "compute " + version, $"{(int)response.Status} {response.Message.RequestMessage?.RequestUri}: OpenStack-API-Version {Header(response, "OpenStack-API-Version")}");
        Assert.Equal(version, Header(response, "X-OpenStack-Nova-API-Version"));
        var vary = string.Join(",", response.Message.Headers.Vary).Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("OpenStack-API-Version", vary);
        Assert.Contains("X-OpenStack-Nova-API-Version", vary);
    }

    [Fact]
    public async Task AnswersTheGatewayWrites_CarryNovasMicroversionHeaders_ErrorsAndRefusedVersionsToo()
    {
        var (token, project) = gateway.NewTenant("mv-headers");
        AssertVersion(await gateway.ComputeAsync(HttpMethod.Get, "flavors", token), "2.1");
        foreach (var path in new[] { "flavors/detail", "limits", "os-keypairs", "servers/detail", "servers", "os-availability-zone", $"os-quota-sets/{project}", "os-server-groups" })
        {
            var answer = await gateway.ComputeAsync(HttpMethod.Get, path, token, microversion: "2.60");
            answer.AssertOk();
            AssertVersion(answer, "2.60");
        }

        // Errors written by the gateway: a 404, a 400 of its body checks, a 403 of its policy.
        var missing = await gateway.ComputeAsync(HttpMethod.Get, "flavors/nope", token, microversion: "2.53");
        missing.AssertError(HttpStatusCode.NotFound, "itemNotFound");
        AssertVersion(missing, "2.53");
        var bad = await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = "bad/name" } }), "2.2");
        bad.AssertError(HttpStatusCode.BadRequest, "badRequest");
        AssertVersion(bad, "2.2");
        var forbidden = await gateway.ComputeAsync(HttpMethod.Get, "os-hypervisors", token);
        forbidden.AssertError(HttpStatusCode.Forbidden, "forbidden");
        AssertVersion(forbidden, "2.1");

        // Nova's 406 names the version it refuses; an unparsable one and a 401 carry none (as Nova's).
        var refused = await gateway.ComputeAsync(HttpMethod.Get, "flavors", token, microversion: "2.999");
        refused.AssertError(HttpStatusCode.NotAcceptable, "computeFault");
        AssertVersion(refused, "2.999");
        var unparsable = await gateway.ComputeAsync(HttpMethod.Get, "flavors", token, microversion: "two");
        unparsable.AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Null(Header(unparsable, "OpenStack-API-Version"));
        Assert.Null(Header(await gateway.ComputeAsync(HttpMethod.Get, "flavors", null), "OpenStack-API-Version"));

        // A forwarded answer carries each header once, not the pod's and the gateway's.
        var (net, _) = await _steps.NetworkAsync(token, "10.91.0.0/24");
        var server = await _steps.BootAsync(token, net, "az1");
        var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + server, token, microversion: "2.47");
        shown.AssertOk();
        AssertVersion(shown, "2.47");
        Assert.Single(shown.Message.Headers.GetValues("OpenStack-API-Version"));
        Assert.Single(shown.Message.Headers.GetValues("X-OpenStack-Nova-API-Version"));
    }

    [Fact]
    public async Task EveryV21Answer_CarriesXComputeRequestId_TheRequestIdItself_AndAnActionIsFoundByIt()
    {
        var (token, _) = gateway.NewTenant("compute-req-id");
        var (net, _) = await _steps.NetworkAsync(token, "10.92.0.0/24");
        var server = await _steps.BootAsync(token, net, "az1");
        await _steps.ActiveAsync(token, server);
        var answers = new List<ApiResponse>
        {
            await gateway.ComputeAsync(HttpMethod.Get, "flavors", token),
            await gateway.ComputeAsync(HttpMethod.Get, "servers/detail", token),
            await gateway.ComputeAsync(HttpMethod.Get, "servers/" + server, token),
            await gateway.ComputeAsync(HttpMethod.Get, "servers/" + server + "/os-instance-actions", token),
            await gateway.ComputeAsync(HttpMethod.Get, "flavors/nope", token),
            await gateway.ComputeAsync(HttpMethod.Get, "flavors", token, microversion: "2.999"),
            await gateway.ComputeAsync(HttpMethod.Get, "flavors", null),
            await gateway.SendAsync(new Uri(Root, "v2.1"), HttpMethod.Get, null),
        };
        var stop = await gateway.ComputeAsync(HttpMethod.Post, $"servers/{server}/action", token, "{\"os-stop\": null}");
        Assert.Equal(HttpStatusCode.Accepted, stop.Status);
        answers.Add(stop);
        foreach (var answer in answers)
        {
            var id = Header(answer, "x-openstack-request-id");
            Assert.Matches("^req-[0-9a-f-]{36}$", id);
            Assert.True(Header(answer, "x-compute-request-id") == id, $"{answer.Message.RequestMessage?.RequestUri}: x-compute-request-id {Header(answer, "x-compute-request-id")}, x-openstack-request-id {id}");
        }

        // The action is found by the request id its call answered with (as in Nova, where the
        // instance action records it), and by the ids the list shows.
        var stopId = Header(stop, "x-compute-request-id")!;
        var byOurs = await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions/{stopId}", token);
        byOurs.AssertOk();
        Assert.Equal(("stop", stopId), (byOurs.Json.GetProperty("instanceAction").GetProperty("action").GetString(), byOurs.Json.GetProperty("instanceAction").GetProperty("request_id").GetString()));
        // The request ids instance actions list are the ones to show them by, through the gateway.
        var actions = (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions", token)).Json.GetProperty("instanceActions").EnumerateArray().ToList();
        Assert.Contains(actions, a => a.GetProperty("action").GetString() == "stop");
        foreach (var action in actions)
        {
            var requestId = action.GetProperty("request_id").GetString()!;
            var one = await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-instance-actions/{requestId}", token);
            one.AssertOk();
            Assert.Equal(action.GetProperty("action").GetString(), one.Json.GetProperty("instanceAction").GetProperty("action").GetString());
        }
    }

    [Fact]
    public async Task VersionDocuments_ListTheLegacyV20AndV21_AsNova()
    {
        var root = await gateway.SendAsync(Root, HttpMethod.Get, null);
        root.AssertOk();
        var versions = root.Json.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal(["v2.0", "v2.1"], versions.Select(v => v.GetProperty("id").GetString()));
        var legacy = versions[0];
        Assert.Equal(("SUPPORTED", "", "", "2011-01-21T11:33:21Z"), (legacy.GetProperty("status").GetString(), legacy.GetProperty("version").GetString(), legacy.GetProperty("min_version").GetString(), legacy.GetProperty("updated").GetString()));
        Assert.Equal(new Uri(Root, "v2/").ToString(), Assert.Single(legacy.GetProperty("links").EnumerateArray()).GetProperty("href").GetString());
        Assert.Equal(("CURRENT", "2.1"), (versions[1].GetProperty("status").GetString(), versions[1].GetProperty("min_version").GetString()));
        Assert.Equal(new Uri(Root, "v2.1/").ToString(), Assert.Single(versions[1].GetProperty("links").EnumerateArray()).GetProperty("href").GetString());

        var v21 = await gateway.SendAsync(new Uri(Root, "v2.1"), HttpMethod.Get, null);
        v21.AssertOk();
        AssertVersion(v21, "2.1");
        var version = v21.Json.GetProperty("version");
        Assert.Equal(["self", "describedby"], version.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("rel").GetString()));
        Assert.Equal("application/vnd.openstack.compute+json;version=2.1", version.GetProperty("media-types")[0].GetProperty("type").GetString());

        var v2 = await gateway.SendAsync(new Uri(Root, "v2"), HttpMethod.Get, null);
        v2.AssertOk();
        Assert.Null(Header(v2, "OpenStack-API-Version")); // the legacy API has no microversions
        Assert.Equal(("v2.0", "application/vnd.openstack.compute+json;version=2"), (v2.Json.GetProperty("version").GetProperty("id").GetString(), v2.Json.GetProperty("version").GetProperty("media-types")[0].GetProperty("type").GetString()));

        // With the slash too, and without a token, as Zed answers them.
        var slash = await gateway.SendAsync(new Uri(Root, "v2.1/"), HttpMethod.Get, null);
        slash.AssertOk();
        Assert.Equal("v2.1", slash.Json.GetProperty("version").GetProperty("id").GetString());
        Assert.Equal("v2.0", (await gateway.SendAsync(new Uri(Root, "v2/"), HttpMethod.Get, null)).Json.GetProperty("version").GetProperty("id").GetString());
    }

    [Fact]
    public async Task X509Keypairs_AreMadeOrImported_ShownWithTheirType_AndCopiedToThePodAsX509()
    {
        var (token, _) = gateway.NewTenant("x509");
        var made = await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = "cert", type = "x509" } }), "2.2");
        Assert.True(made.Status == HttpStatusCode.Created, made.Text);
        var keypair = made.Json.GetProperty("keypair");
        Assert.Equal("x509", keypair.GetProperty("type").GetString());
        using var certificate = X509Certificate2.CreateFromPem(keypair.GetProperty("public_key").GetString()!);
        Assert.Equal(Sha1(certificate), keypair.GetProperty("fingerprint").GetString());
        Assert.Equal("CN=" + keypair.GetProperty("user_id").GetString(), certificate.Subject);
        using var withKey = X509CertificateLoader.LoadPkcs12(Convert.FromBase64String(keypair.GetProperty("private_key").GetString()!), "");
        Assert.True(withKey.HasPrivateKey);

        // A PEM certificate of the caller's is imported with Nova's fingerprint; a broken one is 400.
        using var rsa = RSA.Create(2048);
        using var own = new CertificateRequest("CN=mine", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var imported = await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = "mine", type = "x509", public_key = own.ExportCertificatePem() } }), "2.2");
        Assert.True(imported.Status == HttpStatusCode.Created, imported.Text);
        Assert.Equal(Sha1(own), imported.Json.GetProperty("keypair").GetProperty("fingerprint").GetString());
        Assert.False(imported.Json.GetProperty("keypair").TryGetProperty("private_key", out _));
        Assert.Contains("X509", (await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = "broken", type = "x509", public_key = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" } }), "2.2"))
            .AssertError(HttpStatusCode.BadRequest, "badRequest"), StringComparison.Ordinal);
        (await gateway.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = "early", type = "x509" } }), "2.1")).AssertError(HttpStatusCode.BadRequest, "badRequest");

        var listed = (await gateway.ComputeAsync(HttpMethod.Get, "os-keypairs", token, microversion: "2.2")).Json.GetProperty("keypairs").EnumerateArray().Select(k => k.GetProperty("keypair")).ToList();
        Assert.Equal(["x509", "x509"], listed.Select(k => k.GetProperty("type").GetString()));
        Assert.Equal("x509", (await gateway.ComputeAsync(HttpMethod.Get, "os-keypairs/cert", token, microversion: "2.2")).Json.GetProperty("keypair").GetProperty("type").GetString());

        // A boot with it copies it to the pod as the same x509 certificate.
        var image = await gateway.CirrosAsync("RegionOne");
        var booted = await gateway.ComputeAsync(HttpMethod.Post, "servers", token, Json(new { server = new { name = "with-cert", flavorRef = "1", imageRef = image, networks = "none", availability_zone = "az1", key_name = "cert" } }), "2.37");
        Assert.True(booted.Status == HttpStatusCode.Accepted, booted.Text);
        var inPod = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl + "/os-keypairs/cert"), HttpMethod.Get, token, microversion: "2.2");
        inPod.AssertOk();
        Assert.Equal(("x509", keypair.GetProperty("fingerprint").GetString()), (inPod.Json.GetProperty("keypair").GetProperty("type").GetString(), inPod.Json.GetProperty("keypair").GetProperty("fingerprint").GetString()));
    }

    [Fact]
    public async Task IpsOfOneNetwork_AreNamedByTheCentralNetwork_AnUnknownLabelIsNovas404()
    {
        var (token, _) = gateway.NewTenant("ips-label");
        const string name = "blue net";
        var net = Ok(await gateway.NetworkAsync(HttpMethod.Post, "networks", token, Json(new { network = new { name } }))).GetProperty("network").GetProperty("id").GetString()!;
        Ok(await gateway.NetworkAsync(HttpMethod.Post, "subnets", token, Json(new { subnet = new { network_id = net, ip_version = 4, cidr = "10.93.0.0/24" } })));
        var server = await _steps.BootAsync(token, net, "az2");
        await _steps.ActiveAsync(token, server);

        var ips = await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/ips/{Uri.EscapeDataString(name)}", token);
        ips.AssertOk();
        var address = Assert.Single(ips.Json.GetProperty(name).EnumerateArray());
        Assert.StartsWith("10.93.0.", address.GetProperty("addr").GetString(), StringComparison.Ordinal);
        Assert.Single(ips.Json.EnumerateObject());
        Assert.Equal(address.GetProperty("addr").GetString(), (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/ips", token)).Json.GetProperty("addresses").GetProperty(name)[0].GetProperty("addr").GetString());

        Assert.Equal("Instance is not a member of specified network", (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/ips/elsewhere", token)).AssertError(HttpStatusCode.NotFound, "itemNotFound"));
        (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/ips/{net}", token)).AssertError(HttpStatusCode.NotFound, "itemNotFound"); // the pod's label is no label here
    }

    [Fact]
    public async Task AListedServer_IsWhatItsShowSays_CentralNamesZoneAndLinksIncluded_AndTheBriefListItsIdNameAndLinks()
    {
        // The detail list writes each pod's server as the pod wrote it with only the renamed parts
        // put in; the show does the same on its own path: the two must agree to the value.
        var (token, _) = gateway.NewTenant("list-as-show");
        var (net, _) = await _steps.NetworkAsync(token, "10.95.0.0/24");
        var first = await _steps.BootAsync(token, net, "az1");
        var second = await _steps.BootAsync(token, net, "az2");
        await _steps.ActiveAsync(token, first);
        await _steps.ActiveAsync(token, second);
        var name = Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + net, token)).GetProperty("network").GetProperty("name").GetString()!;

        var detail = await gateway.ComputeAsync(HttpMethod.Get, "servers/detail", token);
        detail.AssertOk();
        var listed = detail.Json.GetProperty("servers").EnumerateArray().ToDictionary(s => s.GetProperty("id").GetString()!);
        Assert.Equal(new HashSet<string> { first, second }, listed.Keys.ToHashSet());
        foreach (var (id, zone) in new[] { (first, "az1"), (second, "az2") })
        {
            var shown = (await gateway.ComputeAsync(HttpMethod.Get, "servers/" + id, token)).Json.GetProperty("server");
            Assert.True(JsonElement.DeepEquals(shown, listed[id]), $"listed {listed[id]} but shown {shown}");
            Assert.Equal(zone, listed[id].GetProperty("OS-EXT-AZ:availability_zone").GetString());
            Assert.Equal(name, Assert.Single(listed[id].GetProperty("addresses").EnumerateObject()).Name);
            Assert.Equal("default", Assert.Single(listed[id].GetProperty("security_groups").EnumerateArray()).GetProperty("name").GetString());
            Assert.All(listed[id].GetProperty("links").EnumerateArray(), l => Assert.StartsWith(Root.ToString(), l.GetProperty("href").GetString(), StringComparison.Ordinal));
        }

        var brief = await gateway.ComputeAsync(HttpMethod.Get, "servers", token);
        brief.AssertOk();
        foreach (var server in brief.Json.GetProperty("servers").EnumerateArray())
        {
            Assert.Equal(["id", "name", "links"], server.EnumerateObject().Select(p => p.Name));
            var id = server.GetProperty("id").GetString()!;
            Assert.Equal(listed[id].GetProperty("name").GetString(), server.GetProperty("name").GetString());
            Assert.True(JsonElement.DeepEquals(listed[id].GetProperty("links"), server.GetProperty("links")));
        }
    }

    [Fact]
    public async Task ASeversSecurityGroups_AreShownByTheirCentralNames_InShowListsItsGroupsAndARebuild()
    {
        var (token, _) = gateway.NewTenant("sg-names");
        var (net, _) = await _steps.NetworkAsync(token, "10.94.0.0/24");
        var server = await _steps.BootAsync(token, net, "az1");
        await _steps.ActiveAsync(token, server);

        static List<string?> Names(JsonElement server) => [.. server.GetProperty("security_groups").EnumerateArray().Select(g => g.GetProperty("name").GetString())];
        Assert.Equal(["default"], Names((await gateway.ComputeAsync(HttpMethod.Get, "servers/" + server, token)).Json.GetProperty("server")));
        Assert.Equal(["default"], Names((await gateway.ComputeAsync(HttpMethod.Get, "servers/detail", token)).Json.GetProperty("servers")[0]));
        Assert.Equal(["default"], (await gateway.ComputeAsync(HttpMethod.Get, $"servers/{server}/os-security-groups", token)).Json.GetProperty("security_groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()));

        // A rebuild answers with the server (2.75 on): central names there too, addresses included.
        var rebuilt = await gateway.ComputeAsync(HttpMethod.Post, $"servers/{server}/action", token, Json(new { rebuild = new { imageRef = await gateway.CirrosAsync("RegionOne") } }), "2.75");
        Assert.True(rebuilt.Status == HttpStatusCode.Accepted, rebuilt.Text);
        Assert.Equal(["default"], Names(rebuilt.Json.GetProperty("server")));
        var name = Ok(await gateway.NetworkAsync(HttpMethod.Get, "networks/" + net, token)).GetProperty("network").GetProperty("name").GetString()!;
        Assert.Equal([name], rebuilt.Json.GetProperty("server").GetProperty("addresses").EnumerateObject().Select(p => p.Name));

        // ...while the pod's Nova names the group by its copy there.
        var inPod = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl + "/servers/" + server), HttpMethod.Get, token);
        Assert.NotEqual(["default"], Names(inPod.Json.GetProperty("server")));
    }

#pragma warning disable CA5350 // Nova's x509 fingerprint is SHA-1
    private static string Sha1(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA1.HashData(certificate.RawData)).Chunk(2).Select(c => new string(c)).Aggregate((a, b) => a + ":" + b);
#pragma warning restore CA5350
}

public sealed class SqliteNovaFidelityTests(SqliteGatewayFixture gateway) : NovaFidelityTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class PostgresNovaFidelityTests(PostgresGatewayFixture gateway) : NovaFidelityTests(gateway), IClassFixture<PostgresGatewayFixture>;
