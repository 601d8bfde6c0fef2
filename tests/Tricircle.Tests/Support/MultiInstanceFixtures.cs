using Dapper;
using Tricircle.Hosting;

namespace Tricircle.Support;

/// <summary>
/// A gateway on PostgreSQL whose own roles leave out <c>jobs</c>: requests still run their own
/// jobs once, but every retry is left to other instances (<see cref="ServeProcess"/> children
/// with <c>--roles jobs</c>). Leases last three seconds, so that a killed worker's job is taken
/// over soon.
/// </summary>
public sealed class WorkerlessGatewayFixture() : JobsGatewayFixture("postgres")
{
    public const double LeaseSeconds = 3;

    protected override Dictionary<string, string?> Settings => new(base.Settings)
    {
        ["DEFAULT:roles"] = "admin,compute,volume,image,network",
        ["jobs:lease_seconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>
/// Two Tricircle instances on one PostgreSQL database, one Keystone and the same regions, both
/// with every role (the jobs role included): the sandbox's, and a second one built as the
/// sandbox builds its own, from the same settings on free ports.
/// </summary>
public sealed class TwoInstanceGatewayFixture() : JobsGatewayFixture("postgres")
{
    private WebApplication? _second;

    /// <summary>The second instance's Nova gateway (v2.1 root).</summary>
    public Uri SecondComputeUrl { get; private set; } = null!;

    /// <summary>The second instance's central Neutron root (the API is under <c>v2.0/</c>).</summary>
    public Uri SecondNetworkUrl { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var settings = new Dictionary<string, string?>(Sandbox.Settings);
        foreach (var port in (string[])["admin_port", "compute_port", "volume_port", "image_port", "network_port", "console_port"])
        {
            settings["DEFAULT:" + port] = "0";
        }

        _second = ServiceHost.Build(TricircleConfiguration.Load([], settings));
        await _second.StartAsync();
        var listeners = _second.Services.GetRequiredService<ServiceListeners>();
        SecondComputeUrl = new Uri(listeners.Url(ServiceRole.Compute), "v2.1");
        SecondNetworkUrl = listeners.Url(ServiceRole.Network);
    }

    /// <summary>The Nova gateway of instance 0 (the sandbox's) or 1 (the second).</summary>
    public Uri Compute(int instance) => instance % 2 == 0 ? ComputeUrl : SecondComputeUrl;

    /// <summary>The central Neutron of instance 0 or 1 (its root).</summary>
    public Uri Network(int instance) => instance % 2 == 0 ? NetworkUrl : SecondNetworkUrl;

    public override async Task DisposeAsync()
    {
        if (_second is not null)
        {
            await _second.StopAsync();
            await _second.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

/// <summary>Reads the job engine's tables directly, as an operator's SQL would.</summary>
public static class JobTables
{
    /// <summary>One run of a job, with its job's type and resource.</summary>
    public sealed record Run(long Id, string JobId, string Type, string ResourceId, string Worker, DateTime StartedAt, DateTime? FinishedAt, string? Outcome, string? Error);

    public static async Task<IReadOnlyList<Run>> RunsAsync(TestDatabase database, string? jobId = null)
    {
        await using var db = database.Open();
        await using var connection = await db.OpenAsync(CancellationToken.None);
        return [.. await connection.QueryAsync<Run>(
            $"""
            SELECT r.id AS Id, r.job_id AS JobId, j.type AS Type, j.resource_id AS ResourceId, r.worker AS Worker,
                   r.started_at AS StartedAt, r.finished_at AS FinishedAt, r.outcome AS Outcome, r.error AS Error
            FROM job_runs r JOIN jobs j ON j.id = r.job_id
            {(jobId is null ? "" : "WHERE r.job_id = @jobId")}
            ORDER BY r.id
            """,
            new { jobId })];
    }
}
