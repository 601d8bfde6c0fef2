namespace Tricircle.Jobs;

/// <summary>
/// Does the work of one job type. A handler converges: it makes the pod (or central) state what
/// central intent says now, whatever state an earlier run, a crash or another request left, so
/// that running it twice changes nothing. It throws when it could not finish; the runner then
/// retries the job (a <see cref="Errors.PodUnavailableException"/> does not count towards giving up).
/// </summary>
internal interface IJobHandler
{
    JobType Type { get; }

    Task RunAsync(Job job, CancellationToken cancellationToken);
}
