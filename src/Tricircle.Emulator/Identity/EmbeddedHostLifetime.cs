using Microsoft.Extensions.Hosting;

namespace Tricircle.Emulator.Identity;

/// <summary>
/// A host lifetime that ignores the console: the emulator lives inside another process (tests,
/// <c>tricircle sandbox</c>), whose owner decides when to stop it. The default ConsoleLifetime would
/// hook Ctrl+C and SIGTERM and then hold the process open until the owner's Main returned.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
