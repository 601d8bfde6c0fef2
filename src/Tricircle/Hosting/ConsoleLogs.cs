using System.Buffers;
using System.Diagnostics;
using System.Text;
using NLog;
using NLog.Common;
using NLog.Config;
using NLog.Extensions.Logging;
using NLog.Layouts;
using NLog.Targets;
using NLog.Targets.Wrappers;

namespace Tricircle.Hosting;

/// <summary>
/// The service's log lines on standard output, one per line, as journald or a container runtime
/// collects them: time (UTC), level, category and event id, the request's trace id, its scopes
/// (the request id, the request's path) and the message.
/// </summary>
/// <remarks>
/// Written through NLog's <see cref="AsyncTargetWrapper"/>: a line is formatted on the thread that
/// logs it (its scopes and trace id are that thread's) and queued; a background writer takes what
/// has queued every few milliseconds and writes it in one go. The console provider of
/// Microsoft.Extensions.Logging wakes its writer thread and makes a write call for each line:
/// with the gateway's line per forwarded call, that was about two thread switches, three futex
/// calls and two writes per request, 8% of a forwarded show's CPU samples (bench/README). The batch
/// goes to standard output's stream in one write (<see cref="StdoutTarget"/>). Each host has its
/// own <see cref="LogFactory"/> (the sandbox and the tests run several hosts in one process), and
/// disposing the host writes out what is queued.
/// </remarks>
internal static class ConsoleLogs
{
    // How long a line may wait before it is written: short enough for a person watching the logs.
    private const int BatchMilliseconds = 20;

    public static ILoggingBuilder AddTricircleConsole(this ILoggingBuilder logging) =>
        logging.AddQueued(new StdoutTarget(Console.OpenStandardOutput()) { Layout = Line });

    /// <summary>Logs through the batching queue to <paramref name="target"/> (the console; a test's memory).</summary>
    internal static ILoggingBuilder AddQueued(this ILoggingBuilder logging, Target target) =>
        logging.AddNLog(
            new NLogProviderOptions
            {
                // Microsoft.Extensions.Logging's filters (levels per category) stay the only ones.
                RemoveLoggerFactoryFilter = false,
                IncludeScopes = true,
                CaptureMessageTemplates = false,
                CaptureEventId = EventIdCaptureType.EventId, // with the message's properties: the line's "[id]"
                ShutdownOnDispose = true, // the host's disposal writes out what is queued
                AutoShutdown = false, // one host's end is not the process's (the sandbox, the tests)
            },
            _ => Factory(target));

    private static LogFactory Factory(Target target)
    {
        var factory = new LogFactory();
        var config = new LoggingConfiguration(factory);
        var queued = new AsyncTargetWrapper("queued", target)
        {
            TimeToSleepBetweenBatches = BatchMilliseconds,
            BatchSize = 1000,
            QueueLimit = 100_000,
            OverflowAction = AsyncTargetWrapperOverflowAction.Block, // a log line is never dropped
        };
        config.AddRuleForAllLevels(queued);
        factory.Configuration = config;
        return factory;
    }

    /// <summary>
    /// One line, as Microsoft.Extensions.Logging's simple console formatter wrote it (single line,
    /// scopes outermost first); rendered on the logging thread (not thread-agnostic), so the
    /// scopes and the trace id are that thread's.
    /// </summary>
    internal static readonly Layout Line = Layout.FromMethod(static e => Format(e), LayoutRenderOptions.None);

    // One builder per thread, kept: a line is about half a kilobyte, written once per forwarded call.
    [ThreadStatic]
    private static StringBuilder? _line;

    private static string Format(LogEventInfo e)
    {
        var line = _line ??= new StringBuilder(1024);
        line.Clear();
        // Formatted into the builder, as are the ids below: no string of each on the way.
        line.Append(System.Globalization.CultureInfo.InvariantCulture, $"{e.TimeStamp.ToUniversalTime():yyyy-MM-dd HH:mm:ss.fff} ");
        line.Append(Level(e.Level)).Append(": ").Append(e.LoggerName);
        if (e.Properties.TryGetValue("EventId", out var id) && id is int eventId)
        {
            line.Append('[').Append(eventId).Append(']');
        }

        if (Activity.Current is { } activity)
        {
            Span<byte> bytes = stackalloc byte[16];
            Span<char> hex = stackalloc char[32];
            activity.TraceId.CopyTo(bytes);
            Convert.TryToHexStringLower(bytes, hex, out var written);
            line.Append(" => TraceId:").Append(hex[..written]);
            activity.SpanId.CopyTo(bytes[..8]);
            Convert.TryToHexStringLower(bytes[..8], hex, out written);
            line.Append(", SpanId:").Append(hex[..written]);
        }

        var scopes = ScopeContext.GetAllNestedStates(); // innermost first
        for (var i = scopes.Length - 1; i >= 0; i--)
        {
            line.Append(" => ").Append(scopes[i]);
        }

        line.Append(' ').Append(e.FormattedMessage);
        if (e.Exception is { } exception)
        {
            line.AppendLine().Append(exception);
        }

        var text = line.ToString();
        if (line.Capacity > 16 * 1024)
        {
            _line = null; // not kept after a long exception
        }

        return text;
    }

    private static string Level(NLog.LogLevel level) =>
        level == NLog.LogLevel.Trace ? "trce" : level == NLog.LogLevel.Debug ? "dbug" : level == NLog.LogLevel.Info ? "info"
        : level == NLog.LogLevel.Warn ? "warn" : level == NLog.LogLevel.Error ? "fail" : "crit";

    /// <summary>
    /// Writes each batch of lines to <paramref name="output"/> in one call. (NLog's console
    /// target writes through <see cref="Console.Out"/>, whose 256-character buffer goes out
    /// whenever it fills: two write calls for a gateway's line, batch or not; through a pipe to
    /// journald, each one wakes the reader.)
    /// </summary>
    internal sealed class StdoutTarget(Stream output) : TargetWithLayout
    {
        // Hosts of one process (the sandbox) share standard output: one batch's write at a time.
        private static readonly Lock Writing = new();

        // Only NLog's writer uses it: a target is written to under its own lock.
        private ArrayBufferWriter<byte> _batch = new(64 * 1024);

        protected override void Write(IList<AsyncLogEventInfo> logEvents)
        {
            _batch.ResetWrittenCount();
            foreach (var e in logEvents)
            {
                Append(RenderLogEvent(Layout, e.LogEvent));
            }

            Exception? failure = null;
            try
            {
                Flush();
            }
            catch (IOException e)
            {
                failure = e; // standard output closed: NLog notes it; the service goes on
            }

            foreach (var e in logEvents)
            {
                e.Continuation(failure);
            }
        }

        protected override void Write(LogEventInfo logEvent)
        {
            _batch.ResetWrittenCount();
            Append(RenderLogEvent(Layout, logEvent));
            Flush();
        }

        private void Append(string line)
        {
            Encoding.UTF8.GetBytes(line.AsSpan(), _batch);
            _batch.Write("\n"u8);
        }

        private void Flush()
        {
            lock (Writing)
            {
                output.Write(_batch.WrittenSpan);
                output.Flush();
            }

            if (_batch.Capacity > 1024 * 1024)
            {
                _batch = new(64 * 1024); // not kept after a burst of long exceptions
            }
        }
    }
}
