using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Tricircle.Hardening.Fuzz;

/// <summary>Sends fuzz cases with several clients at once and keeps what the oracles found.</summary>
internal sealed class FuzzRun
{
    public required int Seed { get; init; }

    public required int Concurrency { get; init; }

    public ConcurrentBag<FuzzObservation> Observations { get; } = [];

    public ConcurrentDictionary<string, int> Statuses { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Classes { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> Apis { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, (int Count, double Seconds)> Routes { get; } = new(StringComparer.Ordinal);

    public int Sent => Statuses.Values.Sum();

    public TimeSpan Elapsed { get; private set; }

    public int Routed { get; private set; }

    public int SweepSize { get; private set; }

    /// <summary>Every case and its answer, one line each (kept when TRICIRCLE_FUZZ_DUMP names a file).</summary>
    public ConcurrentQueue<string>? Dump { get; private init; }

    private static string Flat(string text) => text.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');

    public static async Task<FuzzRun> RunAsync(FuzzWorld world, ServerErrorLog log, int seed, IReadOnlyList<int> numbers, int concurrency)
    {
        var run = new FuzzRun { Seed = seed, Concurrency = concurrency, Dump = Environment.GetEnvironmentVariable("TRICIRCLE_FUZZ_DUMP") is { Length: > 0 } ? new() : null };
        var routes = FuzzCatalogue.All;
        run.Routed = routes.Count;
        run.SweepSize = (world.Sweep ??= FuzzGenerator.Sweep(world, routes)).Count;
        using var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            MaxConnectionsPerServer = concurrency * 2,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            RequestHeaderEncodingSelector = (_, _) => Encoding.UTF8,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        using var http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(numbers, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (number, _) =>
        {
            var fuzzCase = FuzzGenerator.Generate(world, routes, seed, number);
            var answer = await SendAsync(http, fuzzCase);
            run.Statuses.AddOrUpdate(answer.Failure is null ? answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no answer", 1, (_, n) => n + 1);
            run.Classes.AddOrUpdate(fuzzCase.Class, 1, (_, n) => n + 1);
            run.Apis.AddOrUpdate(fuzzCase.Route.Api.ToString(), 1, (_, n) => n + 1);
            run.Routes.AddOrUpdate(fuzzCase.Route.ToString(), (1, answer.Elapsed.TotalSeconds), (_, v) => (v.Count + 1, v.Seconds + answer.Elapsed.TotalSeconds));
            if (run.Dump is { } dump)
            {
                dump.Enqueue($"{fuzzCase.Number}\t{fuzzCase.Route}\t{fuzzCase.Class}\t{fuzzCase.Caller}\t{fuzzCase.Method}\t{fuzzCase.UrlExcerpt(300)}\t{Flat(fuzzCase.Detail)}\t{Flat(fuzzCase.BodyExcerpt(300))}\t{(answer.Failure is null ? answer.Status : "none")}\t{Flat(FuzzGenerator.Cut(answer.Failure ?? answer.Body, 300))}");
            }

            foreach (var observation in FuzzOracle.Judge(fuzzCase, answer, log, world.PodAuthorities))
            {
                run.Observations.Add(observation);
            }
        });
        run.Elapsed = clock.Elapsed;
        return run;
    }

    public static async Task<FuzzAnswer> SendAsync(HttpClient http, FuzzCase c)
    {
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), new Uri(c.Url, UriKind.Absolute));
        foreach (var (name, value) in c.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var body = c.OversizeBytes > 0 ? Oversize(c) : c.Body;
        if (body is not null)
        {
            request.Content = new ByteArrayContent(body);
            if (c.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", c.ContentType);
            }

            if (c.Chunked)
            {
                request.Headers.TransferEncodingChunked = true;
            }
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            var requestId = response.Headers.TryGetValues("x-openstack-request-id", out var ids) ? ids.FirstOrDefault() : null;
            return new FuzzAnswer((int)response.StatusCode, text, response.Content.Headers.ContentType?.ToString(), response.Headers.WwwAuthenticate.Count > 0, requestId, null, clock.Elapsed)
            {
                Location = response.Headers.Location?.ToString(),
            };
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            var reason = e is OperationCanceledException ? "no answer within 120 s" : $"{e.GetType().Name}: {e.Message}{(e.InnerException is { } inner ? " <- " + inner.GetType().Name + ": " + inner.Message : "")}";
            return new FuzzAnswer(0, "", null, false, null, reason, clock.Elapsed);
        }
    }

    /// <summary>An oversized body: the case's JSON with its marker string grown to the size asked.</summary>
    private static byte[] Oversize(FuzzCase c)
    {
        const string marker = "\"FUZZ-OVERSIZE\"";
        var text = Encoding.UTF8.GetString(c.Body ?? []);
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return Encoding.UTF8.GetBytes(text + new string(' ', c.OversizeBytes));
        }

        var prefix = Encoding.UTF8.GetBytes(text[..at] + "\"");
        var suffix = Encoding.UTF8.GetBytes("\"" + text[(at + marker.Length)..]);
        var bytes = new byte[prefix.Length + c.OversizeBytes + suffix.Length];
        prefix.CopyTo(bytes, 0);
        bytes.AsSpan(prefix.Length, c.OversizeBytes).Fill((byte)'x');
        suffix.CopyTo(bytes, prefix.Length + c.OversizeBytes);
        return bytes;
    }
}
