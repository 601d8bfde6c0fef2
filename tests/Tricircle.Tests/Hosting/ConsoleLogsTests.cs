using System.Diagnostics;
using Microsoft.Extensions.Logging;
using NLog.Extensions.Logging;
using NLog.Targets;

namespace Tricircle.Hosting;

/// <summary>
/// The service's log lines (<see cref="ConsoleLogs"/>): the request's trace id and scopes on each
/// line written for it, Microsoft.Extensions.Logging's level filters, and nothing lost when the
/// host stops with lines still queued.
/// </summary>
public sealed class ConsoleLogsTests
{
    private static readonly Action<ILogger, string, Exception?> Answered = LoggerMessage.Define<string>(LogLevel.Information, new EventId(7), "Pod {Pod} answered");

    private static readonly Action<ILogger, string, Exception?> Said = LoggerMessage.Define<string>(LogLevel.Information, new EventId(0), "{Text}");

    private static readonly Action<ILogger, string, Exception?> SaidDebug = LoggerMessage.Define<string>(LogLevel.Debug, new EventId(0), "{Text}");

    private static readonly Action<ILogger, string, Exception?> Warned = LoggerMessage.Define<string>(LogLevel.Warning, new EventId(0), "{Text}");

    [Fact]
    public void ALineWrittenUnderATrace_HasItsTraceIdScopesEventIdAndException()
    {
        var memory = new MemoryTarget("memory") { Layout = ConsoleLogs.Line };
        string traceId;
        using (var loggers = LoggerFactory.Create(b => b.AddQueued(memory)))
        {
            var logger = loggers.CreateLogger("Tricircle.Pods.PodForwarder");
            using var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start();
            traceId = activity.TraceId.ToHexString();
            using (logger.BeginScope("outer"))
            using (logger.BeginScope("req-1"))
            {
                Answered(logger, "RegionOne", new InvalidOperationException("it broke"));
            }

            activity.Stop();
            Answered(logger, "RegionTwo", null);
        }

        var lines = memory.Logs;
        Assert.Equal(2, lines.Count);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info: Tricircle\.Pods\.PodForwarder\[7\] => TraceId:" + traceId + ", SpanId:[0-9a-f]{16} => outer => req-1 Pod RegionOne answered", lines[0]);
        Assert.Contains("System.InvalidOperationException: it broke", lines[0], StringComparison.Ordinal);
        Assert.Matches(@" info: Tricircle\.Pods\.PodForwarder\[7\] Pod RegionTwo answered$", lines[1]);
        Assert.DoesNotContain("TraceId:", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void TheLevelFiltersOfTheHostDecide_WhatIsWritten()
    {
        var memory = new MemoryTarget("memory") { Layout = ConsoleLogs.Line };
        using (var loggers = LoggerFactory.Create(b => b.AddQueued(memory).SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft.AspNetCore", LogLevel.Warning)))
        {
            SaidDebug(loggers.CreateLogger("Tricircle.Test"), "not this", null);
            Said(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics"), "nor this", null);
            Warned(loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel"), "but this", null);
            Said(loggers.CreateLogger("Tricircle.Test"), "and this", null);
        }

        Assert.Collection(memory.Logs, l => Assert.EndsWith("warn: Microsoft.AspNetCore.Server.Kestrel but this", l, StringComparison.Ordinal), l => Assert.EndsWith("info: Tricircle.Test and this", l, StringComparison.Ordinal));
    }

    [Fact]
    public void LinesStillQueued_AreWrittenWhenTheHostStops()
    {
        // The writer takes the queue every few milliseconds; stopping at once must not lose any.
        var memory = new MemoryTarget("memory") { Layout = ConsoleLogs.Line };
        using (var loggers = LoggerFactory.Create(b => b.AddQueued(memory)))
        {
            var logger = loggers.CreateLogger("Tricircle.Test");
            for (var i = 0; i < 2000; i++)
            {
                Said(logger, "line " + i, null);
            }
        }

        Assert.Equal(2000, memory.Logs.Count);
        Assert.EndsWith("line 1999", memory.Logs[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void LinesQueuedTogether_GoOutInOneWrite_Whole()
    {
        // Console.Out wrote a line in 256-character pieces, each a write call (a wake-up of
        // journald's reader); a batch is one call, its lines whole and in order.
        var output = new WritesStream();
        using (var loggers = LoggerFactory.Create(b => b.AddQueued(new ConsoleLogs.StdoutTarget(output) { Layout = ConsoleLogs.Line })))
        {
            var logger = loggers.CreateLogger("Tricircle.Pods.PodForwarder");
            for (var i = 0; i < 200; i++)
            {
                Said(logger, "line " + i + " " + new string('x', 400), null);
            }
        }

        var lines = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n');
        Assert.Equal(201, lines.Length); // each ends with a newline
        Assert.Equal("", lines[^1]);
        for (var i = 0; i < 200; i++)
        {
            Assert.Matches(@" info: Tricircle\.Pods\.PodForwarder line " + i + " x{400}$", lines[i]);
        }

        Assert.InRange(output.Writes, 1, 20); // 200 lines logged in a burst take a few batches, not 400 writes
    }

    [Fact]
    public async Task TheService_LogsThroughTheQueue()
    {
        await using var host = ServiceHost.Build(TricircleConfiguration.Load([], new Dictionary<string, string?>()));
        Assert.Contains(host.Services.GetServices<ILoggerProvider>(), p => p is NLogLoggerProvider);
    }

    private sealed class WritesStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Writes++;
            base.Write(buffer);
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            base.Write(buffer, offset, count);
        }
    }
}
