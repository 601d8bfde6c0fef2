using System.Text;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>
/// <c>/servers</c>: create places the server in a pod and forwards the whole request there;
/// lists are merged across pods; everything under one server goes to the pod that holds it.
/// </summary>
internal static class ServersApi
{
    public const string ResourceType = "server";

    public static readonly MergedListShape Shape = new(
        ComputeApi.ServiceType,
        ResourceType,
        "servers",
        [("created_at", true)],
        "uuid",
        FieldOf,
        Placeholder)
    {
        FromPod = TopAz,
    };

    public static void MapServersApi(this IEndpointRouteBuilder v21)
    {
        v21.MapPost("/servers", CreateAsync);
        v21.MapGet("/servers", (HttpContext context, MergedList list) => ListAsync(context, list, detail: false));
        v21.MapGet("/servers/detail", (HttpContext context, MergedList list) => ListAsync(context, list, detail: true));
        v21.MapMethods("/servers/{id}", ["GET", "PUT", "DELETE"], ForwardOneAsync);
        v21.MapMethods("/servers/{id}/{**rest}", ["GET", "PUT", "POST", "DELETE"], ForwardUnderAsync);
    }

    /// <summary>
    /// Validates the request, then boots it (see <see cref="ServerBoot"/>); the first server's
    /// answer is the pod's, forwarded, as Nova answers a create with its first server.
    /// </summary>
    private static async Task CreateAsync(HttpContext context, ServerBoot boot, PodForwarder forwarder)
    {
        var caller = ComputeApi.Caller(context);
        var (root, server) = await RequestBody.ReadNodeAsync(context.Request, "server", context.RequestAborted);
        if (server["name"] is not JsonValue name || name.GetValueKind() != System.Text.Json.JsonValueKind.String || name.ToString().Trim().Length is 0 or > 255)
        {
            throw ApiException.BadRequest("Invalid input for field/attribute name: the server needs a name of 1 to 255 characters.");
        }

        if (server["flavorRef"] is null)
        {
            throw ApiException.BadRequest("Invalid input for field/attribute flavorRef: it is required.");
        }

        var plan = await boot.PlanAsync(server, caller, context.RequestAborted);
        var headers = ComputeApi.VersionHeaders(context);
        await boot.CreateAsync(plan, root, (body, created, refused) => forwarder.ForwardAsync(
            context,
            plan.Pod,
            ComputeApi.ServiceType,
            "servers",
            async answer =>
            {
                if (answer["server"]?["id"]?.ToString() is { Length: > 0 } id)
                {
                    await created(id);
                }
            },
            new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"),
            headers,
            onFailure: _ => refused()), headers, context.RequestAborted);
    }

    private static async Task ListAsync(HttpContext context, MergedList list, bool detail)
    {
        var caller = ComputeApi.Caller(context);
        var allTenants = caller.IsAdmin && context.Request.Query.TryGetValue("all_tenants", out var all) && all.ToString() is not ("0" or "false" or "False");
        var page = await list.ListAsync(Shape, context.Request.Query, allTenants ? null : caller.ProjectId, caller.AuthToken, "servers/detail", ComputeApi.VersionHeaders(context), context.RequestAborted, ownBase: PodForwarder.GatewayBase(context));
        if (detail)
        {
            await context.RequestServices.GetRequiredService<ServerNetworks>().RenameAddressesAsync(page.Items, context.RequestAborted);
        }

        var items = new JsonArray();
        foreach (var item in page.Items)
        {
            items.Add(detail ? item.DeepClone() : Brief(item));
        }

        var body = new JsonObject { ["servers"] = items };
        if (page.More && page.Items.Count > 0)
        {
            body["servers_links"] = MergedList.NextLinks(ComputeApi.Url(context, detail ? "servers/detail" : "servers"), context.Request.Query, MergedList.Id(page.Items[^1]));
        }

        await WriteJsonAsync(context, 200, body);
    }

    private static async Task ForwardOneAsync(string id, HttpContext context, RoutingStore routings, PodStore pods, PodForwarder forwarder)
    {
        var (routing, pod) = await FindAsync(id, context, routings, pods);
        var serverNetworks = context.RequestServices.GetRequiredService<ServerNetworks>();
        var status = await forwarder.ForwardAsync(context, pod, ComputeApi.ServiceType, "servers/" + Uri.EscapeDataString(id) + context.Request.QueryString,
            answer =>
            {
                if (answer["server"] is JsonObject server)
                {
                    TopAz(pod, server);
                }

                return serverNetworks.RenameAddressesAsync([answer["server"]], context.RequestAborted);
            },
            headers: ComputeApi.VersionHeaders(context));
        if (status == 404 || (status is 204 or 202 && HttpMethods.IsDelete(context.Request.Method)))
        {
            // Gone from its pod (or going): nothing routes to it any more, its quota is free, and its ports go.
            await context.RequestServices.GetRequiredService<ServerRecords>().ForgetAsync(routing.TopId, routing.ProjectId, pod, CancellationToken.None);
        }
    }

    private static async Task ForwardUnderAsync(string id, string rest, HttpContext context, RoutingStore routings, PodStore pods, PodForwarder forwarder)
    {
        var (routing, pod) = await FindAsync(id, context, routings, pods);
        string? forgetOn = null;
        if (rest == "action" && HttpMethods.IsPost(context.Request.Method))
        {
            context.Request.EnableBuffering();
            var body = await RequestBody.ReadAsync(context.Request, context.RequestAborted);
            context.Request.Body.Position = 0;
            if (body.ValueKind == System.Text.Json.JsonValueKind.Object && body.TryGetProperty("forceDelete", out _))
            {
                forgetOn = "forceDelete";
            }
        }
        else if (rest == "os-volume_attachments" && HttpMethods.IsPost(context.Request.Method))
        {
            await CheckVolumeAsync(context, routing, pod, routings, pods);
        }

        var serverNetworks = context.RequestServices.GetRequiredService<ServerNetworks>();
        Func<JsonNode, Task>? rename = rest.StartsWith("ips", StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method)
            ? answer => serverNetworks.RenameAddressesAsync([answer], context.RequestAborted)
            : null;
        var status = await forwarder.ForwardAsync(context, pod, ComputeApi.ServiceType, $"servers/{Uri.EscapeDataString(id)}/{rest}{context.Request.QueryString}", rename, headers: ComputeApi.VersionHeaders(context));
        if (forgetOn is not null && status is >= 200 and < 300)
        {
            await context.RequestServices.GetRequiredService<ServerRecords>().ForgetAsync(routing.TopId, routing.ProjectId, pod, CancellationToken.None);
        }
    }

    /// <summary>A volume attaches only to a server in its own pod: say so, rather than let the pod answer "not found".</summary>
    private static async Task CheckVolumeAsync(HttpContext context, ResourceRouting server, Pod serverPod, RoutingStore routings, PodStore pods)
    {
        context.Request.EnableBuffering();
        var body = await RequestBody.ReadWrappedAsync(context.Request, "volumeAttachment", context.RequestAborted);
        context.Request.Body.Position = 0;
        var volumeId = RequestBody.RequiredString(body, "volumeId", 36);
        var caller = context.GetRequestContext();
        var volume = await routings.FindTopAsync(volumeId, "volume", caller.IsAdmin ? null : caller.ProjectId, context.RequestAborted)
            ?? throw ApiException.NotFound($"Volume {volumeId} could not be found.");
        if (volume.PodId != server.PodId)
        {
            var volumePod = await pods.GetAsync(volume.PodId, context.RequestAborted);
            throw ApiException.Conflict($"Server {server.TopId} is in pod {serverPod.RegionName} ({serverPod.AzName}) and volume {volumeId} in pod {volumePod.RegionName} ({volumePod.AzName}): a volume attaches only to a server in its own pod.");
        }
    }

    /// <summary>The server's routing row and pod, if the caller may see it; Nova's 404 otherwise.</summary>
    public static async Task<(ResourceRouting Routing, Pod Pod)> FindAsync(string id, HttpContext context, RoutingStore routings, PodStore pods)
    {
        var caller = ComputeApi.Caller(context);
        var routing = await routings.FindTopAsync(id, ResourceType, caller.IsAdmin ? null : caller.ProjectId, context.RequestAborted)
            ?? throw ApiException.NotFound($"Instance {id} could not be found.");
        var pod = await pods.FindAsync(routing.PodId, context.RequestAborted)
            ?? throw ApiException.NotFound($"Instance {id} could not be found.");
        return (routing, pod);
    }

    /// <summary>Shows the pod's server in its top AZ (the pod knows its zone by its own name, <c>pod_az_name</c>).</summary>
    private static void TopAz(Pod pod, JsonObject server)
    {
        if (server["OS-EXT-AZ:availability_zone"] is JsonValue zone && zone.ToString().Length > 0)
        {
            server["OS-EXT-AZ:availability_zone"] = pod.AzName;
        }
    }

    private static JsonObject Brief(JsonObject item) => new()
    {
        ["id"] = item["id"]?.DeepClone(),
        ["name"] = item["name"]?.DeepClone() ?? "",
        ["links"] = item["links"]?.DeepClone() ?? new JsonArray(),
    };

    /// <summary>Nova's sort keys name database columns; the API shows some under other names.</summary>
    private static string FieldOf(string sortKey) => sortKey switch
    {
        "created_at" => "created",
        "updated_at" => "updated",
        "display_name" => "name",
        "uuid" => "id",
        "vm_state" => "OS-EXT-STS:vm_state",
        "task_state" => "OS-EXT-STS:task_state",
        "power_state" => "OS-EXT-STS:power_state",
        "availability_zone" => "OS-EXT-AZ:availability_zone",
        "host" => "OS-EXT-SRV-ATTR:host",
        "hostname" => "OS-EXT-SRV-ATTR:hostname",
        "launched_at" => "OS-SRV-USG:launched_at",
        "terminated_at" => "OS-SRV-USG:terminated_at",
        "project_id" => "tenant_id",
        _ => sortKey,
    };

    /// <summary>Nova's down-cell record (microversion 2.69): what is known without the pod.</summary>
    /// <remarks>
    /// Clients older than 2.69 (openstackclient asks 2.1 by default) read name, image, flavor and
    /// addresses of every listed server: those are present, empty, so such a client shows the
    /// entry instead of failing on it. The AZ is the pod's (<see cref="TopAz"/>).
    /// </remarks>
    private static JsonObject Placeholder(ResourceRouting routing) => new()
    {
        ["id"] = routing.TopId,
        ["name"] = "",
        ["status"] = "UNKNOWN",
        ["tenant_id"] = routing.ProjectId,
        ["created"] = Data.DbTime.Print(routing.CreatedAt),
        ["image"] = "",
        ["flavor"] = new JsonObject { ["id"] = "", ["links"] = new JsonArray() },
        ["addresses"] = new JsonObject(),
        ["metadata"] = new JsonObject(),
        ["OS-EXT-AZ:availability_zone"] = "UNKNOWN",
        ["links"] = new JsonArray(),
    };

    public static async Task WriteJsonAsync(HttpContext context, int status, JsonNode body)
    {
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
    }
}
