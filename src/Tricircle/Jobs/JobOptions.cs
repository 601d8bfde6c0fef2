using System.Globalization;
using Tricircle.Hosting;

namespace Tricircle.Jobs;

/// <summary>The <c>[jobs]</c> section: how the workers of the <c>jobs</c> role lease, retry and audit.</summary>
internal sealed class JobOptions : ISectionOptions
{
    public const string Section = "jobs";

    /// <summary>Jobs one instance runs at once.</summary>
    [ConfigurationKeyName("workers")]
    public int Workers { get; set; } = 4;

    /// <summary>Seconds an idle worker waits before looking for due jobs again (a job queued by this instance wakes it at once).</summary>
    [ConfigurationKeyName("poll_interval")]
    public double PollInterval { get; set; } = 1;

    /// <summary>Seconds a running job is leased for; renewed every third of it while it runs. A worker that dies loses its job to another after this.</summary>
    [ConfigurationKeyName("lease_seconds")]
    public double LeaseSeconds { get; set; } = 60;

    /// <summary>The first retry's delay in seconds; each failure in a row doubles it (with jitter) up to <see cref="RetryMaxSeconds"/>.</summary>
    [ConfigurationKeyName("retry_base_seconds")]
    public double RetryBaseSeconds { get; set; } = 1;

    [ConfigurationKeyName("retry_max_seconds")]
    public double RetryMaxSeconds { get; set; } = 60;

    /// <summary>Failed runs after which a job ends in FAIL. Runs failed because a pod could not be reached do not count: those jobs wait for the pod.</summary>
    [ConfigurationKeyName("max_attempts")]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Seconds a finished (SUCCESS) job stays listed. FAIL jobs stay until redone, deleted or overtaken by a success.</summary>
    [ConfigurationKeyName("keep_finished")]
    public double KeepFinished { get; set; } = 86400;

    /// <summary>Seconds between two audits of a pod (0: no audit).</summary>
    [ConfigurationKeyName("audit_interval")]
    public double AuditInterval { get; set; } = 600;

    /// <summary>Calls per second an audit makes to one pod at most, so that it never floods it.</summary>
    [ConfigurationKeyName("audit_rate")]
    public double AuditRate { get; set; } = 5;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    public TimeSpan Poll => TimeSpan.FromSeconds(PollInterval);

    public IEnumerable<string> Problems()
    {
        if (SectionOptionsExtensions.CheckRange(Section, "workers", Workers, 1, 256) is { } workers)
        {
            yield return workers;
        }

        if (SectionOptionsExtensions.CheckRange(Section, "max_attempts", MaxAttempts, 1, 1000) is { } attempts)
        {
            yield return attempts;
        }

        foreach (var (key, value, min, max) in new[]
        {
            ("poll_interval", PollInterval, 0.01, 3600.0),
            ("lease_seconds", LeaseSeconds, 1.0, 86400.0),
            ("retry_base_seconds", RetryBaseSeconds, 0.01, 3600.0),
            ("retry_max_seconds", RetryMaxSeconds, 0.01, 86400.0),
            ("keep_finished", KeepFinished, 0.0, 365 * 86400.0),
            ("audit_interval", AuditInterval, 0.0, 30 * 86400.0),
            ("audit_rate", AuditRate, 0.01, 10000.0),
        })
        {
            if (double.IsNaN(value) || value < min || value > max)
            {
                yield return string.Create(CultureInfo.InvariantCulture, $"[{Section}] {key}: {value} is outside {min}..{max}");
            }
        }

        if (RetryMaxSeconds < RetryBaseSeconds)
        {
            yield return $"[{Section}] retry_max_seconds: must not be below retry_base_seconds";
        }
    }
}
