using System.CommandLine;

namespace Tricircle.Cli;

/// <summary>The <c>tricircle</c> command and its subcommands.</summary>
internal static class TricircleCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Tricircle: one OpenStack API endpoint in front of many OpenStack clouds.");
        root.Subcommands.Add(ServiceCommands.Serve());
        root.Subcommands.Add(ServiceCommands.Db());
        root.Subcommands.Add(Sandbox.SandboxCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        var cloud = new CloudOptions();
        root.Subcommands.Add(PodCommands.Create(cloud));
        root.Subcommands.Add(BindingCommands.Create(cloud));
        root.Subcommands.Add(RoutingCommands.Create(cloud));
        root.Subcommands.Add(JobCommands.Create(cloud));
        root.Subcommands.Add(FlavorCommands.Create(cloud));
        return root;
    }
}
