using Tricircle.Hosting;

namespace Tricircle.WebConsole;

/// <summary>The <c>[console]</c> section: the web console's behaviour (its port is <c>[DEFAULT] console_port</c>).</summary>
internal sealed class ConsoleOptions : ISectionOptions
{
    public const string Section = "console";

    /// <summary>How often an open page reads its data again (no manual reload).</summary>
    [ConfigurationKeyName("refresh_seconds")]
    public int RefreshSeconds { get; set; } = 2;

    /// <summary>How long one pod's service may take to answer the console's health probe.</summary>
    [ConfigurationKeyName("probe_timeout_seconds")]
    public int ProbeTimeoutSeconds { get; set; } = 2;

    /// <summary>Where the cookie keys live (Data Protection); empty: <c>state_path</c>/console-keys. Several instances behind one address share this directory.</summary>
    [ConfigurationKeyName("key_directory")]
    public string KeyDirectory { get; set; } = "";

    public TimeSpan Refresh => TimeSpan.FromSeconds(RefreshSeconds);

    public IEnumerable<string> Problems()
    {
        if (SectionOptionsExtensions.CheckRange(Section, "refresh_seconds", RefreshSeconds, 1, 3600) is { } refresh)
        {
            yield return refresh;
        }

        if (SectionOptionsExtensions.CheckRange(Section, "probe_timeout_seconds", ProbeTimeoutSeconds, 1, 60) is { } probe)
        {
            yield return probe;
        }
    }
}
