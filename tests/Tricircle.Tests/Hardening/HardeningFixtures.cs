using Tricircle.Support;

namespace Tricircle.Hardening;

/// <summary>
/// A sandbox of the fuzz suite's own (the fuzz changes what it may: its own resources, pods it
/// registers, quotas of a spare project), with no periodic audit; circuits at their defaults, so
/// that a burst of bad requests that opens one shows.
/// </summary>
public class FuzzGatewayFixture(string dialect) : GatewayFixture(dialect)
{
    protected override Dictionary<string, string?> Settings => new() { ["jobs:audit_interval"] = "0" };
}

public sealed class SqliteFuzzGatewayFixture() : FuzzGatewayFixture("sqlite");

public sealed class PostgresFuzzGatewayFixture() : FuzzGatewayFixture("postgres");

/// <summary>
/// A sandbox for the pod-DoS case, with the circuit breaker as shipped (a pod is rested after
/// half of at least <see cref="CircuitMinimumCalls"/> calls in 30 s failed, for
/// <see cref="CircuitBreakSeconds"/> s), written out so that the test's burst is sure to exceed it.
/// </summary>
public class PodDosGatewayFixture(string dialect) : GatewayFixture(dialect)
{
    public const int CircuitMinimumCalls = 4;

    public const int CircuitBreakSeconds = 15;

    protected override Dictionary<string, string?> Settings => new()
    {
        ["jobs:audit_interval"] = "0",
        ["client:circuit_minimum_calls"] = CircuitMinimumCalls.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["client:circuit_break_seconds"] = CircuitBreakSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

public sealed class SqlitePodDosGatewayFixture() : PodDosGatewayFixture("sqlite");

public sealed class PostgresPodDosGatewayFixture() : PodDosGatewayFixture("postgres");
