using Microsoft.Extensions.Options;
using Tricircle.Data;
using Tricircle.Jobs;

namespace Tricircle.Support;

/// <summary>
/// Jobs in a chosen state, made through <see cref="JobStore"/> itself so that they depend on no
/// handler, and out of the running service's workers' way: NEW jobs are queued held (workers
/// leave them alone for a lease's length), RUNNING ones are leased here, and this store gives up
/// on the first counted failure, so one failed run makes a FAIL job.
/// </summary>
internal sealed class JobSeed(Database database)
{
    public const string Worker = "test-seed";

    public JobStore Store { get; } = new(database, Options.Create(new JobOptions { MaxAttempts = 1 }), TimeProvider.System);

    public async Task<string> NewAsync(JobRequest request)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var tx = await Database.BeginWriteAsync(connection, CancellationToken.None);
        var id = await Store.EnqueueAsync(connection, tx, request, held: true, CancellationToken.None);
        await tx.CommitAsync();
        return id;
    }

    public async Task<JobLease> LeaseAsync(string id) =>
        await Store.LeaseAsync(id, Worker, CancellationToken.None) ?? throw new InvalidOperationException($"Job {id} could not be leased.");

    public async Task<string> RunningAsync(JobRequest request)
    {
        var id = await NewAsync(request);
        await LeaseAsync(id);
        return id;
    }

    public async Task<string> FailedAsync(JobRequest request, string error = "boom")
    {
        var id = await NewAsync(request);
        await Store.FinishAsync(await LeaseAsync(id), RunEnd.Failure, new InvalidOperationException(error), counts: true, CancellationToken.None);
        return id;
    }

    public async Task<string> SucceededAsync(JobRequest request)
    {
        var id = await NewAsync(request);
        await Store.FinishAsync(await LeaseAsync(id), RunEnd.Success, null, counts: false, CancellationToken.None);
        return id;
    }
}
