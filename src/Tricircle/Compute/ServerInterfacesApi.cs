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
    /// <summary>Nova's interface attach schema (the gateway reads the ids; the pod judges the rest).</summary>
    private static readonly BodySchema Attach = new(
        "interfaceAttachment",
        new BodyField("port_id", JsonKind.String) { Format = "uuid" },
        new BodyField("net_id", JsonKind.String) { Format = "uuid" },
        new BodyField("fixed_ips", JsonKind.Array) { MaxItems = 1, Items = new("", JsonKind.Object) { Properties = new(null, new BodyField("ip_address", JsonKind.String) { Format = "ip" }) } },
        new BodyField("tag", JsonKind.String) { MinLength = 1, MaxLength = 60, Since = new(2, 49) });

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
        var body = await Attach.ReadAsync(context, version: ComputeApi.Version(context));
        var (root, attachment) = (body.Root, body.Fields);
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
                new StringContent(root.ToJsonString(), Encoding.UTF8, "application/json") as HttpContent,
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
