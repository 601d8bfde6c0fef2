using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Hardening;

/// <summary>
/// One tenant cannot take a pod away from the others. A member sends, within the circuit's
/// sampling window and more often than <c>[client] circuit_minimum_calls</c>, 40 MB bodies on
/// calls the gateway forwards to RegionOne (server and volume updates, metadata, actions),
/// bodies cut short and chunked bodies that are not chunked: OpenStack answers such a caller
/// 413 (oslo.middleware's <c>max_request_body_size</c>, 114688 bytes) or 400, and its other
/// tenants never notice. So the abuser must get 413 or 400 naming the problem (never 503 "pod
/// unavailable", never a 2xx), and right after the burst another tenant's calls to RegionOne
/// succeed, az1 is still available and the tenant's boots and volumes in az1 land in RegionOne.
/// </summary>
public abstract class PodDosTests(PodDosGatewayFixture gateway)
{
    private const int FortyMegabytes = 40 * 1024 * 1024;

    [Fact]
    public async Task OneTenantsOversizedAndMalformedForwardedRequests_Get413Or400_AndNeverMakeThePodUnavailableForAnother()
    {
        var (abuser, abuserProject) = gateway.NewTenant("abuser");
        var (victim, victimProject) = gateway.NewTenant("victim");
        var abuserServer = await gateway.BootAsync(abuser, "az1", "abuser-vm");
        var victimServer = await gateway.BootAsync(victim, "az1", "victim-vm");
        var abuserVolume = await VolumeAsync(abuser, abuserProject, "az1");
        var volumes = $"{gateway.VolumeUrl.ToString().TrimEnd('/')}/{abuserProject}/volumes/{abuserVolume}";
        var servers = $"{gateway.ComputeUrl.ToString().TrimEnd('/')}/servers/{abuserServer}";

        // One large body, shared: {"server": {"name": "xxxx…"}} of 40 MB, and the same under other keys.
        var abuse = new List<Abuse>();
        for (var i = 0; i < 6; i++)
        {
            abuse.Add(new Abuse("PUT", servers, Big("server", "name"), ExpectContinue: i % 2 == 0));
        }

        for (var i = 0; i < 3; i++)
        {
            abuse.Add(new Abuse("POST", servers + "/action", Big("os-getConsoleOutput", "length"), ExpectContinue: i % 2 == 0));
            abuse.Add(new Abuse("PUT", servers + "/metadata", Big("metadata", "k"), ExpectContinue: i % 2 == 1));
            abuse.Add(new Abuse("PUT", volumes, Big("volume", "name"), ExpectContinue: i % 2 == 0, Service: "volume"));
            abuse.Add(new Abuse("POST", volumes + "/action", Big("os-set_bootable", "bootable"), ExpectContinue: i % 2 == 1, Service: "volume"));
            abuse.Add(new Abuse("PUT", volumes + "/metadata", Big("metadata", "k"), ExpectContinue: i % 2 == 0, Service: "volume"));
            abuse.Add(new Abuse("PUT", servers, Big("server", "name"), Chunked: true));
        }

        var answers = new List<(Abuse Abuse, string Answer)>();
        var started = DateTime.UtcNow;
        foreach (var batch in abuse.Chunk(4))
        {
            answers.AddRange(await Task.WhenAll(batch.Select(async a => (a, await SendAsync(a, abuser)))));
        }

        // Bodies cut short (the client goes away mid-body) and chunked bodies that are not: the pod is not at fault.
        var raw = new List<(string What, string Answer)>();
        for (var i = 0; i < 5; i++)
        {
            raw.Add(("PUT /servers/{id} with Content-Length 1000000 and 40 bytes, then the client closes", await RawAsync(new Uri(servers), abuser, "Content-Length: 1000000", "{\"server\":{\"name\":\"cut short here ...")));
            raw.Add(("PUT /servers/{id} chunked with a chunk size that is not hex", await RawAsync(new Uri(servers), abuser, "Transfer-Encoding: chunked", "5\r\n{\"ser\r\nzz\r\n")));
        }

        // A header value that is not ASCII (Kestrel takes it; the call to the pod cannot carry
        // it): OpenStack ignores a header it does not know, so a 2xx is right here; a 5xx is not.
        var headers = new List<(string What, string Answer)>();
        for (var i = 0; i < 5; i++)
        {
            headers.Add(("GET /servers/{id} with the header X-Fuzz: ünïcödé", await NonAsciiAsync(servers, abuser)));
        }

        var burst = DateTime.UtcNow - started;

        // Right after the burst (well inside the circuit's 30 s sampling window and its rest), the pod serves everyone.
        var victimChecks = await VictimChecksAsync(victim, victimProject, victimServer);
        var own = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + abuserServer, abuser);
        if (own.Status != HttpStatusCode.OK)
        {
            victimChecks.Add($"the abuser's own GET /servers/{{id}} answered {(int)own.Status}: {Cut(own.Text)}");
        }

        var total = abuse.Count + raw.Count + headers.Count;
        var wrong = answers.Where(a => !IsRefusal(a.Answer)).Select(a => $"{a.Abuse}: {a.Answer}")
            .Concat(raw.Where(r => r.Answer.StartsWith("503", StringComparison.Ordinal) || r.Answer.StartsWith('2')).Select(r => $"{r.What}: {r.Answer}"))
            .Concat(headers.Where(r => r.Answer.StartsWith('5')).Select(r => $"{r.What}: {r.Answer}"))
            .ToList();
        Assert.True(
            wrong.Count == 0 && victimChecks.Count == 0,
            $"After {total} oversized or malformed requests from one tenant in {burst.TotalSeconds:F1} s (circuit: {PodDosGatewayFixture.CircuitMinimumCalls} calls, {PodDosGatewayFixture.CircuitBreakSeconds} s rest):\n"
            + (wrong.Count == 0 ? "" : "the abuser was not answered 413/400 naming the problem (OpenStack: 413 above max_request_body_size, 114688 bytes; 400 for a malformed body):\n  " + string.Join("\n  ", wrong) + "\n")
            + (victimChecks.Count == 0 ? "" : "RegionOne was not available to the others:\n  " + string.Join("\n  ", victimChecks) + "\n")
            + "all answers:\n  " + string.Join("\n  ", answers.Select(a => $"{a.Abuse}: {a.Answer}").Concat(raw.Concat(headers).Select(r => $"{r.What}: {r.Answer}"))));
    }

    private sealed record Abuse(string Method, string Url, byte[] Body, bool ExpectContinue = false, bool Chunked = false, string Service = "compute")
    {
        public override string ToString() => $"{Method} {new Uri(Url).AbsolutePath} ({Body.Length / 1024 / 1024} MB{(Chunked ? ", chunked" : "")}{(ExpectContinue ? ", Expect: 100-continue" : "")})";
    }

    /// <summary>A refusal as OpenStack gives it: 413 (or 400), its message naming the size, limit or body. A connection the server closes on a body it will not read is tolerated.</summary>
    private static bool IsRefusal(string answer) =>
        answer.StartsWith("no answer", StringComparison.Ordinal)
        || ((answer.StartsWith("413", StringComparison.Ordinal) || answer.StartsWith("400", StringComparison.Ordinal))
            && (answer.Contains("large", StringComparison.OrdinalIgnoreCase) || answer.Contains("size", StringComparison.OrdinalIgnoreCase) || answer.Contains("limit", StringComparison.OrdinalIgnoreCase) || answer.Contains("body", StringComparison.OrdinalIgnoreCase)));

    private static byte[] Big(string wrapper, string field)
    {
        var head = Encoding.ASCII.GetBytes($"{{\"{wrapper}\":{{\"{field}\":\"");
        var tail = Encoding.ASCII.GetBytes("\"}}");
        var bytes = new byte[FortyMegabytes];
        head.CopyTo(bytes, 0);
        bytes.AsSpan(head.Length, FortyMegabytes - head.Length - tail.Length).Fill((byte)'x');
        tail.CopyTo(bytes, FortyMegabytes - tail.Length);
        return bytes;
    }

    private static async Task<string> SendAsync(Abuse abuse, string token)
    {
        using var handler = new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(5) };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(120) };
        using var request = new HttpRequestMessage(new HttpMethod(abuse.Method), abuse.Url) { Content = new ByteArrayContent(abuse.Body) };
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.Add("OpenStack-API-Version", abuse.Service == "volume" ? "volume 3.0" : "compute 2.37");
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.ExpectContinue = abuse.ExpectContinue;
        request.Headers.TransferEncodingChunked = abuse.Chunked;
        try
        {
            using var response = await http.SendAsync(request);
            return $"{(int)response.StatusCode} {Cut(await response.Content.ReadAsStringAsync())}";
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return $"no answer ({e.GetType().Name}: {e.Message})";
        }
    }

    private static async Task<string> NonAsciiAsync(string url, string token)
    {
        using var handler = new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8 };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("X-Auth-Token", token);
        request.Headers.TryAddWithoutValidation("X-Fuzz", "ünïcödé");
        using var response = await http.SendAsync(request);
        return $"{(int)response.StatusCode} {Cut(await response.Content.ReadAsStringAsync())}";
    }

    /// <summary>A request written by hand on a socket (what HttpClient will not send), the write side then closed; the status line and body that came back.</summary>
    private static async Task<string> RawAsync(Uri url, string token, string bodyHeader, string body)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(url.Host, url.Port);
        var stream = tcp.GetStream();
        var head = $"PUT {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nX-Auth-Token: {token}\r\nOpenStack-API-Version: compute 2.37\r\nContent-Type: application/json\r\n{bodyHeader}\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head + body));
        tcp.Client.Shutdown(SocketShutdown.Send);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(buffer, timeout.Token);
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
            // what came before the reset or the deadline is the answer
        }

        var text = Encoding.UTF8.GetString(buffer.ToArray());
        if (text.Length == 0)
        {
            return "no answer (the connection closed)";
        }

        var status = text.Split(' ', 3) is [_, var code, ..] ? code : "?";
        var bodyStart = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return $"{status} {Cut(bodyStart >= 0 ? text[(bodyStart + 4)..] : text)}";
    }

    private async Task<List<string>> VictimChecksAsync(string victim, string victimProject, string victimServer)
    {
        var problems = new List<string>();
        var shown = await gateway.ComputeAsync(HttpMethod.Get, "servers/" + victimServer, victim);
        if (shown.Status != HttpStatusCode.OK)
        {
            problems.Add($"the victim's GET /servers/{{id}} in RegionOne answered {(int)shown.Status}: {Cut(shown.Text)}");
        }

        var listed = await gateway.ComputeAsync(HttpMethod.Get, "servers/detail", victim, microversion: "2.69");
        var entry = listed.Status == HttpStatusCode.OK ? listed.Json.GetProperty("servers").EnumerateArray().FirstOrDefault(s => s.GetProperty("id").GetString() == victimServer) : default;
        if (entry.ValueKind != JsonValueKind.Object || entry.GetProperty("status").GetString() == "UNKNOWN")
        {
            problems.Add($"the victim's server list shows its RegionOne server as {(entry.ValueKind == JsonValueKind.Object ? "UNKNOWN (the pod's placeholder)" : "missing")}: {(int)listed.Status} {Cut(listed.Text)}");
        }

        var zones = await gateway.ComputeAsync(HttpMethod.Get, "os-availability-zone", victim);
        var az1 = zones.Status == HttpStatusCode.OK ? zones.Json.GetProperty("availabilityZoneInfo").EnumerateArray().FirstOrDefault(z => z.GetProperty("zoneName").GetString() == "az1") : default;
        if (az1.ValueKind != JsonValueKind.Object || !az1.GetProperty("zoneState").GetProperty("available").GetBoolean())
        {
            problems.Add($"az1 is not available: {(int)zones.Status} {Cut(zones.Text)}");
        }

        var boot = await gateway.ComputeAsync(HttpMethod.Post, "servers", victim,
            JsonSerializer.Serialize(new { server = new { name = "victim-after", flavorRef = "1", imageRef = await gateway.CirrosAsync("RegionOne"), networks = "none", availability_zone = "az1" } }), "2.37");
        if (boot.Status != HttpStatusCode.Accepted)
        {
            problems.Add($"the victim's boot in az1 answered {(int)boot.Status}: {Cut(boot.Text)}");
        }
        else
        {
            var id = boot.Json.GetProperty("server").GetProperty("id").GetString();
            var inPod = await gateway.SendAsync(new Uri(gateway.Region("RegionOne").ComputeUrl + "/servers/" + id), HttpMethod.Get, gateway.AdminToken);
            if (inPod.Status != HttpStatusCode.OK)
            {
                problems.Add($"the victim's boot in az1 is not in RegionOne's own Nova ({(int)inPod.Status})");
            }
        }

        var volume = await gateway.SendAsync(new Uri($"{gateway.VolumeUrl.ToString().TrimEnd('/')}/{victimProject}/volumes"), HttpMethod.Post, victim,
            JsonSerializer.Serialize(new { volume = new { size = 1, availability_zone = "az1" } }), "3.0", "volume");
        if (volume.Status != HttpStatusCode.Accepted)
        {
            problems.Add($"the victim's volume in az1 answered {(int)volume.Status}: {Cut(volume.Text)}");
        }

        return problems;
    }

    private async Task<string> VolumeAsync(string token, string project, string az)
    {
        var url = $"{gateway.VolumeUrl.ToString().TrimEnd('/')}/{project}/volumes";
        var created = await gateway.SendAsync(new Uri(url), HttpMethod.Post, token, JsonSerializer.Serialize(new { volume = new { size = 1, availability_zone = az } }), "3.0", "volume");
        Assert.True(created.Status == HttpStatusCode.Accepted, created.Text);
        var id = created.Json.GetProperty("volume").GetProperty("id").GetString()!;
        await Poll.UntilAsync(async () => (await gateway.SendAsync(new Uri($"{url}/{id}"), HttpMethod.Get, token, null, "3.0", "volume")).Json.GetProperty("volume").GetProperty("status").GetString() == "available", TimeSpan.FromSeconds(30), () => $"volume {id} available");
        return id;
    }

    private static string Cut(string text) => text.Length > 240 ? text[..240] + "…" : text.Replace("\r\n", " ", StringComparison.Ordinal);
}

public sealed class SqlitePodDosTests(SqlitePodDosGatewayFixture gateway) : PodDosTests(gateway), IClassFixture<SqlitePodDosGatewayFixture>;

public sealed class PostgresPodDosTests(PostgresPodDosGatewayFixture gateway) : PodDosTests(gateway), IClassFixture<PostgresPodDosGatewayFixture>;
