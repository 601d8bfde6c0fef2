using Tricircle.Data;

namespace Tricircle.Jobs;

/// <summary>A job's state (upstream's names).</summary>
internal static class JobStatus
{
    public const string New = "NEW";
    public const string Running = "RUNNING";
    public const string Success = "SUCCESS";
    public const string Fail = "FAIL";

    public static readonly IReadOnlyList<string> All = [New, Running, Success, Fail];
}

/// <summary>A row of <c>jobs</c>.</summary>
internal sealed class Job
{
    public long Seq { get; set; }

    public string Id { get; set; } = "";

    public string Type { get; set; } = "";

    public string ResourceId { get; set; } = "";

    public string? ProjectId { get; set; }

    public string? PodId { get; set; }

    public string Status { get; set; } = JobStatus.New;

    public int Requests { get; set; }

    public int Attempts { get; set; }

    public int Failures { get; set; }

    public DateTime RunAfter { get; set; }

    public string? LeaseOwner { get; set; }

    public string? LastError { get; set; }

    public DateTime CreatedAt { get; set; }

    public DateTime UpdatedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public JobType? Definition => JobTypes.Find(Type);

    /// <summary>The resource keys and values (<c>{"pod_id": …, "network_id": …}</c>).</summary>
    public IReadOnlyDictionary<string, string> Resource =>
        Definition?.Resource(ResourceId) ?? new Dictionary<string, string> { ["resource_id"] = ResourceId };

    public string Key(string name) => Resource.TryGetValue(name, out var value) ? value : throw new InvalidOperationException($"Job type {Type} has no key {name}.");

    /// <summary>The Admin API's view: upstream's fields, then what an operator needs to act on it.</summary>
    public Dictionary<string, object?> ToView(IReadOnlyList<JobRun>? runs = null)
    {
        var view = new Dictionary<string, object?>
        {
            ["id"] = Id,
            ["project_id"] = ProjectId,
            ["type"] = Type,
            ["status"] = Status,
            ["timestamp"] = DbTime.Print(CreatedAt),
            ["resource"] = Resource,
            ["pod_id"] = PodId,
            ["attempts"] = Attempts,
            ["requests"] = Requests,
            ["last_error"] = LastError,
            ["run_after"] = Status is JobStatus.New ? DbTime.Print(RunAfter) : null,
            ["worker"] = Status is JobStatus.Running ? JobRun.WorkerOf(LeaseOwner) : null,
            ["updated_at"] = DbTime.Print(UpdatedAt),
            ["finished_at"] = DbTime.Print(FinishedAt),
        };
        if (runs is not null)
        {
            view["runs"] = runs.Select(r => r.ToView()).ToList();
        }

        return view;
    }
}

/// <summary>A row of <c>job_runs</c>: one run of a job.</summary>
internal sealed class JobRun
{
    public const string Success = "SUCCESS";
    public const string Retry = "RETRY";
    public const string Fail = "FAIL";
    public const string Lost = "LOST";
    public const string Stopped = "STOPPED";

    public long Id { get; set; }

    public string JobId { get; set; } = "";

    public string Worker { get; set; } = "";

    public DateTime StartedAt { get; set; }

    public DateTime? FinishedAt { get; set; }

    public string? Outcome { get; set; }

    public string? Error { get; set; }

    /// <summary>A lease owner is "worker lease-token"; the worker is what an operator recognises.</summary>
    public static string? WorkerOf(string? leaseOwner) => leaseOwner is null ? null : leaseOwner.Split(' ')[0];

    public object ToView() => new Dictionary<string, object?>
    {
        ["worker"] = Worker,
        ["started_at"] = Stamp(StartedAt),
        ["finished_at"] = FinishedAt is { } f ? Stamp(f) : null,
        ["outcome"] = Outcome ?? JobStatus.Running,
        ["error"] = Error,
    };

    // Runs are often shorter than a second: milliseconds tell them apart.
    private static string Stamp(DateTime value) => DbTime.Utc(value).ToString("yyyy-MM-dd HH:mm:ss.fff", System.Globalization.CultureInfo.InvariantCulture);
}
