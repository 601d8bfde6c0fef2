using Microsoft.Extensions.Time.Testing;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Pods;
using Tricircle.Support;

namespace Tricircle.Jobs;

/// <summary>
/// The job table's rules, on a clock that moves only when told: one pending job per type and
/// resource, leases that another worker takes over once they run out, backoff, giving up after
/// the attempts that count, redo and delete.
/// </summary>
public abstract class JobStoreTests(string dialect) : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new();
    private TestDatabase _db = null!;
    private Database _database = null!;
    private JobStore _store = null!;

    private static readonly JobOptions Options = new() { LeaseSeconds = 30, RetryBaseSeconds = 2, RetryMaxSeconds = 10, MaxAttempts = 3 };

    public async Task InitializeAsync()
    {
        _db = await TestDatabase.CreateAsync(dialect);
        _database = _db.Open();
        _store = new JobStore(_database, Microsoft.Extensions.Options.Options.Create(Options), _clock);
    }

    public async Task DisposeAsync()
    {
        await _database.DisposeAsync();
        await _db.DisposeAsync();
    }

    [Fact]
    public async Task ARequestForAPendingJob_FoldsIntoIt_AndOneThatComesWhileItRuns_MakesItRunAgain()
    {
        var first = await EnqueueAsync("pod-1", "net-1");
        var second = await EnqueueAsync("pod-1", "net-1");
        Assert.Equal(first, second);
        Assert.NotEqual(first, await EnqueueAsync("pod-2", "net-1")); // another pod is another resource

        var lease = Assert.IsType<JobLease>(await _store.LeaseAsync(first, "w1", default));
        Assert.Equal(2, lease.Job.Requests);
        Assert.Equal(first, await EnqueueAsync("pod-1", "net-1")); // while it runs
        await _store.FinishAsync(lease, RunEnd.Success, null, counts: false, default);
        var again = await _store.FindAsync(first, default);
        Assert.Equal(JobStatus.New, again!.Status); // the run began before the last request: it runs once more

        lease = Assert.IsType<JobLease>(await _store.LeaseAsync(first, "w1", default));
        await _store.FinishAsync(lease, RunEnd.Success, null, counts: false, default);
        Assert.Equal(JobStatus.Success, (await _store.FindAsync(first, default))!.Status);
        Assert.NotEqual(first, await EnqueueAsync("pod-1", "net-1")); // a finished job takes no more requests
    }

    [Fact]
    public async Task AJobWhoseWorkerStopsRenewing_IsTakenOverAfterItsLease_AndTheLostRunIsLogged()
    {
        var id = await EnqueueAsync("pod-1", "net-2");
        var dead = Assert.IsType<JobLease>(await _store.LeaseNextAsync("dead-worker", default));
        Assert.Null(await _store.LeaseNextAsync("w2", default)); // leased: nobody else gets it

        _clock.Advance(TimeSpan.FromSeconds(31));
        var taken = Assert.IsType<JobLease>(await _store.LeaseNextAsync("w2", default));
        Assert.Equal(id, taken.Job.Id);
        Assert.False(await _store.RenewAsync(dead, default)); // the old owner learns it lost it
        await _store.FinishAsync(dead, RunEnd.Success, null, counts: false, default); // and its late result changes nothing
        Assert.Equal(JobStatus.Running, (await _store.FindAsync(id, default))!.Status);

        await _store.FinishAsync(taken, RunEnd.Success, null, counts: false, default);
        var runs = await _store.RunsAsync(id, 10, default);
        Assert.Equal([JobRun.Success, JobRun.Lost], runs.Select(r => r.Outcome));
        Assert.Equal(["w2", "dead-worker"], runs.Select(r => r.Worker));
    }

    [Fact]
    public async Task Failures_BackOff_PodOutagesDoNotCount_AndTheLastCountedAttemptEndsInFail()
    {
        var id = await EnqueueAsync("pod-1", "net-3");
        for (var attempt = 1; attempt <= 5; attempt++)
        {
            var lease = Assert.IsType<JobLease>(await _store.LeaseNextAsync("w", default));
            await _store.FinishAsync(lease, RunEnd.Failure, new PodUnavailableException(new Pod { RegionName = "RegionTwo" }, "network", "down"), counts: false, default);
            Assert.Null(await _store.LeaseNextAsync("w", default)); // backing off
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        var waiting = (await _store.FindAsync(id, default))!;
        Assert.Equal((JobStatus.New, 0, 5), (waiting.Status, waiting.Attempts, waiting.Failures));
        Assert.Contains("RegionTwo", waiting.LastError, StringComparison.Ordinal);

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var lease = Assert.IsType<JobLease>(await _store.LeaseNextAsync("w", default));
            await _store.FinishAsync(lease, RunEnd.Failure, TricircleException.Conflict("refused " + attempt), counts: true, default);
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        var failed = (await _store.FindAsync(id, default))!;
        Assert.Equal((JobStatus.Fail, 3, "refused 3"), (failed.Status, failed.Attempts, failed.LastError));
        Assert.Null(await _store.LeaseNextAsync("w", default));

        // Redone, it runs from zero; a success then clears older failures of the same resource.
        var redone = await _store.RedoAsync(id, default);
        Assert.Equal((JobStatus.New, 0), (redone.Status, redone.Attempts));
        var last = Assert.IsType<JobLease>(await _store.LeaseNextAsync("w", default));
        await _store.FinishAsync(last, RunEnd.Success, null, counts: false, default);
        Assert.Equal(JobStatus.Success, (await _store.FindAsync(id, default))!.Status);
    }

    [Fact]
    public void BackoffDoublesWithJitter_UpToTheCap()
    {
        for (var failures = 1; failures <= 8; failures++)
        {
            var delay = _store.Backoff(failures).TotalSeconds;
            var full = Math.Min(2 * Math.Pow(2, failures - 1), 10);
            Assert.InRange(delay, full / 2, full);
        }
    }

    [Fact]
    public async Task RedoOfAFailedJob_WhoseResourceHasAPendingOne_FoldsIntoIt_DeleteRefusesARunningJob()
    {
        var id = await EnqueueAsync("pod-1", "net-4");
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var lease = Assert.IsType<JobLease>(await _store.LeaseNextAsync("w", default));
            await _store.FinishAsync(lease, RunEnd.Failure, new InvalidOperationException("boom"), counts: true, default);
            _clock.Advance(TimeSpan.FromSeconds(10));
        }

        var pending = await EnqueueAsync("pod-1", "net-4");
        Assert.NotEqual(id, pending);
        var folded = await _store.RedoAsync(id, default);
        Assert.Equal(pending, folded.Id);
        Assert.Null(await _store.FindAsync(id, default));

        var running = Assert.IsType<JobLease>(await _store.LeaseAsync(pending, "w", default));
        var refused = await Assert.ThrowsAsync<TricircleException>(() => _store.DeleteAsync(pending, default));
        Assert.Equal(ErrorKind.Invalid, refused.Kind);
        Assert.Equal(ErrorKind.Invalid, (await Assert.ThrowsAsync<TricircleException>(() => _store.RedoAsync(pending, default))).Kind);
        await _store.FinishAsync(running, RunEnd.Success, null, counts: false, default);
        Assert.Equal(ErrorKind.Invalid, (await Assert.ThrowsAsync<TricircleException>(() => _store.RedoAsync(pending, default))).Kind); // succeeded
        await _store.DeleteAsync(pending, default);
        Assert.Equal(ErrorKind.NotFound, (await Assert.ThrowsAsync<TricircleException>(() => _store.DeleteAsync(pending, default))).Kind);
    }

    [Fact]
    public async Task AHeldJobWaitsForItsRequest_ThenForAnyWorkerOnceTheRequestIsGone()
    {
        string id;
        await using (var connection = await _database.OpenAsync(default))
        await using (var tx = await Database.BeginWriteAsync(connection, default))
        {
            id = await _store.EnqueueAsync(connection, tx, JobRequest.InPod(JobTypes.PortSync, "pod-1", "port-1", "p"), held: true, default);
            await tx.CommitAsync();
        }

        Assert.Null(await _store.LeaseNextAsync("worker", default));
        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(id, (await _store.LeaseNextAsync("worker", default))!.Job.Id);
    }

    [Fact]
    public async Task AuditsAreQueuedOncePerInterval_WhicheverInstanceAsks_AndSucceededJobsArePurged()
    {
        var interval = TimeSpan.FromMinutes(10);
        Assert.True(await _store.EnqueueAuditIfDueAsync("pod-1", interval, default));
        Assert.False(await _store.EnqueueAuditIfDueAsync("pod-1", interval, default)); // pending
        var lease = Assert.IsType<JobLease>(await _store.LeaseNextAsync("w", default));
        await _store.FinishAsync(lease, RunEnd.Success, null, counts: false, default);
        Assert.False(await _store.EnqueueAuditIfDueAsync("pod-1", interval, default)); // done a moment ago
        _clock.Advance(interval + TimeSpan.FromSeconds(1));
        Assert.True(await _store.EnqueueAuditIfDueAsync("pod-1", interval, default));

        Assert.Equal(1, await _store.PurgeAsync(_clock.GetUtcNow().UtcDateTime, default));
        Assert.Null(await _store.FindAsync(lease.Job.Id, default));
    }

    private async Task<string> EnqueueAsync(string pod, string network) =>
        (await _store.EnqueueAsync([JobRequest.InPod(JobTypes.NetworkSync, pod, network, "project")], default))[0];
}

public sealed class SqliteJobStoreTests() : JobStoreTests("sqlite");

public sealed class PostgresJobStoreTests() : JobStoreTests("postgres");
