using System.Text;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>
/// <c>/servers/{id}/os-interface</c> in central ids (see <see cref="ServerInterfaces"/>): the
/// pod's answers are turned to the central ports, networks and subnets, and an attach or
/// detach names central ones.
/// </summary>
internal static class ServerInterfacesApi
{
    public static void MapServerInterfacesApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/servers/{id}/os-interface", ListAsync);
        v21.MapPost("/servers/{id}/os-interface", AttachAsync);
        v21.MapGet("/servers/{id}/os-interface/{portId}", ShowAsync);
        v21.MapDelete("/servers/{id}/os-interface/{portId}", DetachAsync);
    }

    private static async Task ListAsync(string id, HttpContext context, ServerInterfaces interfaces, PodForwarder forwarder, RoutingStore routings, PodStore pods)
    {
        var (_, pod) = await ServersApi.FindAsync(id, context, routings, pods);
        await forwarder.ForwardAsync(context, pod, ComputeApi.ServiceType, $"servers/{Uri.EscapeDataString(id)}/os-interface{context.Request.QueryString}",
            answer => interfaces.ToCentralAsync(pod, [.. (answer["interfaceAttachments"] as JsonArray ?? []).OfType<JsonObject>()], context.RequestAborted),
            headers: ComputeApi.VersionHeaders(context));
    }

    private static async Task ShowAsync(string id, string portId, HttpContext context, ServerInterfaces interfaces, PodForwarder forwarder, RoutingStore routings, PodStore pods)
    {
        var (_, pod) = await ServersApi.FindAsync(id, context, routings, pods);
        var bottom = await interfaces.BottomPortAsync(id, pod, portId, context.RequestAborted);
        await forwarder.ForwardAsync(context, pod, ComputeApi.ServiceType, $"servers/{Uri.EscapeDataString(id)}/os-interface/{Uri.EscapeDataString(bottom)}",
            answer => answer["interfaceAttachment"] is JsonObject one ? interfaces.ToCentralAsync(pod, [one], context.RequestAborted) : Task.CompletedTask,
            headers: ComputeApi.VersionHeaders(context));
    }

    /// <summary>The port is made ready centrally and in the pod first; a refusal releases it before it is passed on.</summary>
    private static async Task AttachAsync(string id, HttpContext context, ServerInterfaces interfaces, PodForwarder forwarder, RoutingStore routings, PodStore pods)
    {
        var (_, pod) = await ServersApi.FindAsync(id, context, routings, pods);
        var (root, attachment) = await RequestBody.ReadNodeAsync(context.Request, "interfaceAttachment", context.RequestAborted);
        var nic = await interfaces.PrepareAttachAsync(id, pod, attachment, ComputeApi.Caller(context), context.RequestAborted);
        var attached = false;
        try
        {
            await forwarder.ForwardAsync(
                context,
                pod,
                ComputeApi.ServiceType,
                $"servers/{Uri.EscapeDataString(id)}/os-interface",
                async answer =>
                {
                    await interfaces.AttachedAsync(id, pod, nic, CancellationToken.None);
                    attached = true;
                    if (answer["interfaceAttachment"] is JsonObject one)
                    {
                        await interfaces.ToCentralAsync(pod, [one], CancellationToken.None);
                    }
                },
                new StringContent(root.ToJsonString(), Encoding.UTF8, "application/json"),
                ComputeApi.VersionHeaders(context),
                onFailure: async _ =>
                {
                    attached = true; // nothing to keep: released here, before the refusal is passed on
                    await interfaces.AbandonAsync(pod, nic, CancellationToken.None);
                });
        }
        finally
        {
            if (!attached)
            {
                await interfaces.AbandonAsync(pod, nic, CancellationToken.None);
            }
        }
    }

    private static async Task DetachAsync(string id, string portId, HttpContext context, ServerInterfaces interfaces, PodForwarder forwarder, RoutingStore routings, PodStore pods)
    {
        var (_, pod) = await ServersApi.FindAsync(id, context, routings, pods);
        var bottom = await interfaces.BottomPortAsync(id, pod, portId, context.RequestAborted);
        var status = await forwarder.ForwardAsync(context, pod, ComputeApi.ServiceType, $"servers/{Uri.EscapeDataString(id)}/os-interface/{Uri.EscapeDataString(bottom)}",
            headers: ComputeApi.VersionHeaders(context));
        if (status is >= 200 and < 300)
        {
            await interfaces.DetachedAsync(id, pod, portId, CancellationToken.None);
        }
    }
}
