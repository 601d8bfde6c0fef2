using System.Data.Common;
using Microsoft.Extensions.Options;
using Tricircle.Pods;

namespace Tricircle.Jobs;

/// <summary>
/// The <c>jobs</c> role's periodic work: queues an audit of each pod once per
/// <c>[jobs] audit_interval</c> (whichever instance comes first; the others find it queued or
/// done) and removes succeeded jobs older than <c>keep_finished</c>.
/// </summary>
internal sealed partial class JobMaintenance(
    JobStore store, PodStore pods, JobSignal signal, IOptions<JobOptions> options, IOptions<Hosting.ServiceOptions> service, TimeProvider timeProvider, ILogger<JobMaintenance> logger)
    : BackgroundService
{
    private readonly JobOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!service.Value.EnabledRoles().Contains(Hosting.ServiceRole.Jobs))
        {
            return;
        }

        // Often enough for a short audit interval (tests), never more than once a minute otherwise.
        var every = TimeSpan.FromSeconds(Math.Clamp(_options.AuditInterval / 4, 0.5, 60));

        // The first audits come one interval after the start, not with it: instances that start
        // together (a deploy, a restart) do not all send every pod its first audit at once.
        var firstAudit = timeProvider.GetUtcNow() + TimeSpan.FromSeconds(_options.AuditInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(audit: timeProvider.GetUtcNow() >= firstAudit, stoppingToken);
            }
            catch (Exception e) when (e is DbException or InvalidOperationException or TimeoutException)
            {
                Log.Failed(logger, e.Message);
            }

            try
            {
                await Task.Delay(every, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task RunOnceAsync(bool audit, CancellationToken cancellationToken)
    {
        var purged = await store.PurgeAsync(timeProvider.GetUtcNow().UtcDateTime - TimeSpan.FromSeconds(_options.KeepFinished), cancellationToken);
        if (purged > 0)
        {
            Log.Purged(logger, purged);
        }

        if (_options.AuditInterval <= 0 || !audit)
        {
            return;
        }

        var queued = false;
        foreach (var pod in (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral))
        {
            queued |= await store.EnqueueAuditIfDueAsync(pod.PodId, TimeSpan.FromSeconds(_options.AuditInterval), cancellationToken);
        }

        if (queued)
        {
            signal.Pulse();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Job maintenance failed this time: {Reason}")]
        public static partial void Failed(ILogger logger, string reason);

        [LoggerMessage(2, LogLevel.Debug, "Removed {Count} succeeded jobs past keep_finished")]
        public static partial void Purged(ILogger logger, int count);
    }
}
