using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Tricircle.Hosting;

namespace Tricircle.Telemetry;

/// <summary>The service's log lines carry the trace id of the request they were written for.</summary>
public sealed class TraceLogScopeTests
{
    private static readonly Action<ILogger, Exception?> Inside = LoggerMessage.Define(LogLevel.Warning, new EventId(1), "inside a request");

    [Fact]
    public async Task ALineWrittenUnderATrace_HasItsTraceIdInTheScope()
    {
        var captured = new CapturingLoggerProvider();
        await using var host = ServiceHost.Build(TricircleConfiguration.Load([], new Dictionary<string, string?>()), services => services.AddSingleton<ILoggerProvider>(captured));
        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tricircle.Test");

        using (var activity = new Activity("request").SetIdFormat(ActivityIdFormat.W3C).Start())
        {
            Inside(logger, null);
            Assert.Contains(captured.Lines, l => l.Contains("TraceId:" + activity.TraceId, StringComparison.Ordinal) && l.Contains("inside a request", StringComparison.Ordinal));
        }

        captured.Lines.Clear();
        Inside(logger, null);
        Assert.DoesNotContain(captured.Lines, l => l.Contains("TraceId:", StringComparison.Ordinal));
    }

    /// <summary>Keeps each line with its scopes, as the console logger would print them.</summary>
    private sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;

        public ConcurrentBag<string> Lines { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Logger(this);

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

        public void Dispose()
        {
        }

        private sealed class Logger(CapturingLoggerProvider provider) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => provider._scopes?.Push(state);

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var line = new StringBuilder();
                provider._scopes?.ForEachScope((scope, text) => text.Append(scope).Append(" => "), line);
                provider.Lines.Add(line.Append(formatter(state, exception)).ToString());
            }
        }
    }
}
