using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Tricircle.Emulator.Identity;

public sealed class KeystoneEmulatorLoggingTests
{
    [Fact]
    public async Task StartAsync_WithLoggerFactory_LogsStartAndWhyA401Happened()
    {
        var provider = new ListLoggerProvider();
        using var loggerFactory = LoggerFactory.Create(logging => logging.AddProvider(provider).SetMinimumLevel(LogLevel.Debug));
        await using var keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { LoggerFactory = loggerFactory });
        using var http = new HttpClient { BaseAddress = keystone.Url };

        using var response = await http.GetAsync("/v3/regions");

        Assert.Contains(provider.Messages, m => m.Contains($"listening on {keystone.Url}", StringComparison.Ordinal));
        Assert.Contains(provider.Messages, m => m.Contains("GET /v3/regions refused with 401", StringComparison.Ordinal));
    }

    private sealed class ListLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<string> Messages { get; } = new();

        public ILogger CreateLogger(string categoryName) => new ListLogger(Messages);

        public void Dispose()
        {
        }

        private sealed class ListLogger(ConcurrentQueue<string> messages) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                messages.Enqueue(formatter(state, exception));
        }
    }
}
