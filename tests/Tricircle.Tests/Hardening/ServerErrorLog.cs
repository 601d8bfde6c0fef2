using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace Tricircle.Hardening;

/// <summary>An error the service logged: by whom, for which request, and the exception's first frame in Tricircle's code.</summary>
internal sealed record ServerError(string? RequestId, string Category, string Message, string? ExceptionType, string? ExceptionMessage, string? Frame)
{
    /// <summary>The request line's path (from the host's log scope), when known.</summary>
    public string? Path { get; init; }

    /// <summary>What tells one cause from another: the exception's type, its message without ids and numbers, and where it was thrown.</summary>
    public string Signature => Cause + (Frame is null ? "" : " at " + Frame);

    /// <summary>The exception's type and message without ids, numbers and keys: what one fix removes.</summary>
    public string Cause => ExceptionType is null
        ? $"{Category}: {Hardening.Normalize.Text(Message)}"
        : $"{ExceptionType}: {Hardening.Normalize.Text(ExceptionMessage ?? "")}";
}

/// <summary>
/// A logger the tests add to the running service (<c>ILoggerFactory.AddProvider</c>, no change
/// to the product): it keeps every Error and Critical entry with its request id (the
/// <c>req-…</c> scope, or Kestrel's "Request id" in the message), so that a 500 can be told by
/// the exception behind it.
/// </summary>
internal sealed partial class ServerErrorLog : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider? _scopes;

    public ConcurrentQueue<ServerError> Errors { get; } = new();

    private readonly ConcurrentDictionary<string, ServerError> _byRequest = new(StringComparer.Ordinal);

    private readonly HashSet<ServerError> _claimed = [];

    /// <summary>
    /// The error behind an answer: by its request id, or (an answer that lost its
    /// x-openstack-request-id) the oldest unclaimed "Unhandled error serving METHOD PATH" of the same request line.
    /// </summary>
    public ServerError? Claim(string? requestId, string method, string path)
    {
        lock (_claimed)
        {
            if (requestId is not null)
            {
                if (_byRequest.TryGetValue(requestId, out var known))
                {
                    _claimed.Add(known);
                }

                return known;
            }

            // The Cinder gateway logs the path without its project segment (/v3/{project}/volumes is /v3/volumes there).
            var unescaped = Unescape(path);
            var segments = unescaped.Split('/');
            var lines = new List<string> { $"serving {method} {unescaped}" };
            if (segments.Length > 3 && segments[1] == "v3")
            {
                lines.Add($"serving {method} /v3/{string.Join('/', segments[3..])}");
            }

            var match = Errors.FirstOrDefault(e => !_claimed.Contains(e) && lines.Any(l => Unescape(e.Message).EndsWith(l, StringComparison.Ordinal)));
            if (match is not null)
            {
                _claimed.Add(match);
            }

            return match;
        }
    }

    /// <summary>Errors no answer accounts for.</summary>
    public List<ServerError> Unclaimed()
    {
        lock (_claimed)
        {
            return [.. Errors.Where(e => !_claimed.Contains(e))];
        }
    }

    private static string Unescape(string text)
    {
        try
        {
            return Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
            return text;
        }
    }

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(string category, string message, Exception? exception)
    {
        string? requestId = null, path = null;
        _scopes?.ForEachScope<object?>(
            (scope, _) =>
            {
                if (scope?.ToString() is { } text && text.StartsWith("req-", StringComparison.Ordinal))
                {
                    requestId = text;
                }

                if (scope is IEnumerable<KeyValuePair<string, object?>> pairs && pairs.FirstOrDefault(p => p.Key == "RequestPath").Value is { } requestPath)
                {
                    path = requestPath.ToString();
                }
            },
            null);
        if (requestId is null && KestrelRequestId().Match(message) is { Success: true } match)
        {
            requestId = match.Groups[1].Value;
        }

        var root = exception;
        while (root is AggregateException { InnerException: { } inner })
        {
            root = inner;
        }

        var frame = root?.StackTrace?.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("at Tricircle.", StringComparison.Ordinal));
        if (frame is not null)
        {
            frame = frame[3..];
            var source = frame.IndexOf(" in ", StringComparison.Ordinal);
            frame = source > 0 ? frame[..source] : frame;
        }

        var error = new ServerError(requestId, category, message, root?.GetType().FullName, root?.Message, frame) { Path = path };
        Errors.Enqueue(error);
        if (requestId is not null)
        {
            _byRequest.TryAdd(requestId, error);
        }
    }

    [GeneratedRegex("Request id \"(req-[0-9a-f-]+)\"")]
    private static partial Regex KestrelRequestId();

    private sealed class Logger(ServerErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => log._scopes?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Add(category, formatter(state, exception), exception);
            }
        }
    }
}

/// <summary>Texts made comparable: ids, numbers, URLs and quoted values taken out.</summary>
internal static partial class Normalize
{
    public static string Text(string text, int max = 180)
    {
        text = Uuid().Replace(text, "<id>");
        text = Hex().Replace(text, "<hex>");
        text = Url().Replace(text, "<url>");
        text = Quoted().Replace(text, "'…'");
        text = Key().Replace(text, "Key: …");
        text = Number().Replace(text, "N");
        text = text.Replace('\n', ' ').Replace('\r', ' ');
        return text.Length > max ? text[..max] + "…" : text;
    }

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex Uuid();

    [GeneratedRegex("[0-9a-fA-F]{20,}")]
    private static partial Regex Hex();

    [GeneratedRegex(@"https?://[^\s""'/]+")]
    private static partial Regex Url();

    // Quoted values with digits or of some length vary from case to case; short words ('integer overflow') say what went wrong.
    [GeneratedRegex(@"'(?=[^']*\d|[^']{40,})[^']{0,400}'")]
    private static partial Regex Quoted();

    [GeneratedRegex(@"Key: [^ (]+")]
    private static partial Regex Key();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();
}
