using Tricircle.Cli;

namespace Tricircle.Hosting;

internal static class Program
{
    public static Task<int> Main(string[] args) => TricircleCommandLine.Create().Parse(args).InvokeAsync();
}
