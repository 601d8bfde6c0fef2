namespace Tricircle.Hosting;

/// <summary>
/// Where configuration comes from, later sources winning: built-in defaults (the options
/// classes), <c>appsettings.json</c> beside the executable, oslo-style INI files
/// (<c>--config-file</c>, or <c>/etc/tricircle/tricircle.conf</c> when none is given and it
/// exists), environment variables <c>TRICIRCLE_&lt;section&gt;__&lt;key&gt;</c>, then explicit overrides.
/// Keys are the INI names everywhere: <c>[database] connection</c> is <c>database:connection</c>.
/// </summary>
internal static class TricircleConfiguration
{
    public const string DefaultConfigFile = "/etc/tricircle/tricircle.conf";
    public const string EnvironmentPrefix = "TRICIRCLE_";

    public static IConfigurationRoot Load(IReadOnlyList<string>? configFiles, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);

        var files = configFiles is { Count: > 0 } ? configFiles : File.Exists(DefaultConfigFile) ? [DefaultConfigFile] : [];
        foreach (var file in files)
        {
            var full = Path.GetFullPath(file);
            if (!File.Exists(full))
            {
                throw new FileNotFoundException($"The config file {full} does not exist.", full);
            }

            builder.AddIniFile(full, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides);
        }

        return builder.Build();
    }
}
