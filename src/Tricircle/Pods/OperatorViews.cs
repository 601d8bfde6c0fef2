using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json.Nodes;
using Tricircle.Errors;

namespace Tricircle.Pods;

/// <summary>
/// What the operator views (services, hypervisors, usage, agents) share: every bottom pod asked
/// at once under the fan-out deadline, the pods that could not answer named (a warning in the
/// log and the <c>tricircle.operator_views.missing_pods</c> counter) while the others still
/// answer, host names qualified with their pod's region, and Nova's integer ids made unique
/// across pods.
/// </summary>
internal sealed partial class OperatorViews
{
    /// <summary>Integer ids of a pod's services and hypervisors live in the pod's own block of this size.</summary>
    public const int IdBlock = 1_000_000;

    private readonly PodStore _pods;
    private readonly PodFanOut _fanOut;
    private readonly ILogger<OperatorViews> _logger;
    private readonly Counter<long> _missing;

    public OperatorViews(PodStore pods, PodFanOut fanOut, IMeterFactory meters, ILogger<OperatorViews> logger)
    {
        (_pods, _fanOut, _logger) = (pods, fanOut, logger);
        _missing = meters.Create("Tricircle.Pods").CreateCounter<long>(
            "tricircle.operator_views.missing_pods", unit: "{pod}", description: "Pods left out of an operator view (services, hypervisors, usage, agents) because they failed or missed the deadline");
    }

    /// <summary>
    /// The bottom pods, numbered from 1 in the order they were registered (pods registered in
    /// the same instant by region name): the number is the pod's block of integer ids.
    /// </summary>
    public async Task<IReadOnlyList<(int Number, Pod Pod)>> PodsAsync(CancellationToken cancellationToken) =>
        [.. (await _pods.ListAsync(new Dictionary<string, string>(), cancellationToken))
            .Where(p => !p.IsCentral)
            .OrderBy(p => p.CreatedAt).ThenBy(p => p.RegionName, StringComparer.Ordinal)
            .Select((p, i) => (i + 1, p))];

    /// <summary>
    /// Asks <paramref name="pods"/> at once; answers in the pods' order. A pod that refused the
    /// request as bad input (400) makes the whole call a 400: the caller's request is wrong, not
    /// the pod down.
    /// </summary>
    public async Task<IReadOnlyList<(int Number, Pod Pod, T Value)>> AskAsync<T>(
        string view, IReadOnlyList<(int Number, Pod Pod)> pods, Func<Pod, CancellationToken, Task<T>> ask, CancellationToken cancellationToken)
    {
        var answers = await _fanOut.AskAsync([.. pods.Select(p => p.Pod)], ask, cancellationToken);
        if (answers.Select(a => a.Error).OfType<PodErrorException>().FirstOrDefault(e => e.StatusCode == StatusCodes.Status400BadRequest) is { } refused)
        {
            throw refused;
        }

        var result = new List<(int, Pod, T)>();
        foreach (var (number, pod) in pods)
        {
            var answer = answers.First(a => a.Pod == pod);
            if (answer.Succeeded)
            {
                result.Add((number, pod, answer.Value!));
            }
            else
            {
                Log.Missing(_logger, view, pod.RegionName, answer.Failure!);
                _missing.Add(1, new KeyValuePair<string, object?>("view", view), new KeyValuePair<string, object?>("region", pod.RegionName));
            }
        }

        return result;
    }

    /// <summary><c>host@Region</c>: a pod's host as the central region names it (hosts of the same name in two pods stay apart).</summary>
    public static string? Qualify(string? host, Pod pod) => string.IsNullOrEmpty(host) ? host : host + "@" + pod.RegionName;

    /// <summary>Rewrites a string field holding a host to its qualified name.</summary>
    public static void QualifyField(JsonObject item, string key, Pod pod)
    {
        if (item[key] is JsonValue value && value.TryGetValue<string>(out var host))
        {
            item[key] = Qualify(host, pod);
        }
    }

    /// <summary>
    /// The pod and the pod's own host name of a qualified <c>host@Region</c> (split at the last
    /// <c>@</c>, so Cinder's <c>host@backend@Region</c> works too); no pod when the text names none.
    /// </summary>
    public static (Pod? Pod, string Host) Split(string qualified, IEnumerable<(int Number, Pod Pod)> pods)
    {
        var at = qualified.LastIndexOf('@');
        if (at > 0 && pods.FirstOrDefault(p => p.Pod.RegionName == qualified[(at + 1)..]) is { Pod: { } pod })
        {
            return (pod, qualified[..at]);
        }

        return (null, qualified);
    }

    /// <summary>The central id of a pod's integer id (pod 2's id 3 is 2000003).</summary>
    public static int CentralId(int podNumber, int podId) =>
        podId is >= 0 and < IdBlock && podNumber < int.MaxValue / IdBlock
            ? (podNumber * IdBlock) + podId
            : throw TricircleException.Unavailable($"An id ({podId}) of pod {podNumber} does not fit the central numbering (below {IdBlock} per pod).");

    /// <summary>The pod and its own id of a central integer id; none when the text is no such id.</summary>
    public static (Pod? Pod, int PodId) FromCentralId(string text, IEnumerable<(int Number, Pod Pod)> pods)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id < IdBlock)
        {
            return (null, 0);
        }

        var number = id / IdBlock;
        return (pods.FirstOrDefault(p => p.Number == number).Pod, id % IdBlock);
    }

    /// <summary>Rewrites an integer id field to its central id (UUIDs, from Nova 2.53, stay as they are).</summary>
    public static void CentralIdField(JsonObject item, string key, int podNumber)
    {
        if (item[key] is JsonValue value && value.TryGetValue<int>(out var id))
        {
            item[key] = CentralId(podNumber, id);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Operator view {View}: pod {Region} is left out ({Reason}); the other pods' part is answered")]
        public static partial void Missing(ILogger logger, string view, string region, string reason);
    }
}
