using System.Text;
using System.Text.Json;
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
        FieldOf,
        Placeholder)
    {
        FromPod = TopAz,
        FromPodFields = new HashSet<string>(StringComparer.Ordinal) { "OS-EXT-AZ:availability_zone" },
    };

    // Nova's parameter_types.name: what a server, a key, an AZ and a security group are named by.
    private static readonly BodyField Name = new("name", JsonKind.String) { MinLength = 1, MaxLength = 255, Format = "name" };

    private static readonly BodyField Bool = new("", JsonKind.Boolean | JsonKind.BooleanText);

    // What a server's answer has renamed (ServerNetworks, TopAz): the rest passes as the pod wrote it.
    private static readonly string[][] ShownParts =
        [["server", "OS-EXT-AZ:availability_zone"], ["server", "addresses"], ["server", "security_groups"]];

    // The same of a listed server (and its id, for the next link); a brief one shows only these three.
    private static readonly string[][] DetailParts = [["id"], ["OS-EXT-AZ:availability_zone"], ["addresses"], ["security_groups"]];
    private static readonly string[][] BriefParts = [["id"], ["name"], ["links"]];

    /// <summary>
    /// Nova's create schema: every field it knows (at the request's microversion), the ones the
    /// gateway reads checked as Nova checks them; the pod's Nova judges the rest.
    /// </summary>
    private static readonly BodySchema Create = new(
        "server",
        Name with { Required = true },
        new("flavorRef", JsonKind.String | JsonKind.Integer) { Required = true, MinLength = 1 },
        new("imageRef", JsonKind.String),
        new("adminPass", JsonKind.String),
        new("metadata", JsonKind.Object),
        new("networks", JsonKind.Array | JsonKind.String)
        {
            // Required, and "none"/"auto" allowed, from 2.37 on; a list of networks before too.
            RequiredSince = new(2, 37),
            Enum = ["none", "auto"],
            Items = new("", JsonKind.Object)
            {
                Properties = new(
                    null,
                    new("fixed_ip", JsonKind.String) { Format = "ip" },
                    new("port", JsonKind.String | JsonKind.Null) { Format = "uuid" },
                    new("uuid", JsonKind.String),
                    new("tag", JsonKind.String) { MinLength = 1, MaxLength = 60, Since = new(2, 32) }),
            },
        },
        new("accessIPv4", JsonKind.String) { Format = "ipv4" },
        new("accessIPv6", JsonKind.String) { Format = "ipv6" },
        Name with { Name = "availability_zone" },
        Name with { Name = "key_name" },
        new("min_count", JsonKind.Integer | JsonKind.IntegerText) { Minimum = 1, Maximum = int.MaxValue },
        new("max_count", JsonKind.Integer | JsonKind.IntegerText) { Minimum = 1, Maximum = int.MaxValue },
        Bool with { Name = "config_drive" },
        Bool with { Name = "return_reservation_id" },
        new("security_groups", JsonKind.Array) { Items = new("", JsonKind.Object) { Properties = new(null, Name) } },
        new("user_data", JsonKind.String) { Format = "base64", MaxLength = 65535 },
        new("block_device_mapping", JsonKind.Array),
        new("block_device_mapping_v2", JsonKind.Array),
        new("description", JsonKind.String | JsonKind.Null) { MaxLength = 255, Since = new(2, 19) },
        new("OS-DCF:diskConfig", JsonKind.String) { Enum = ["AUTO", "MANUAL"] },
        new("personality", JsonKind.Array),
        new("tags", JsonKind.Array) { Since = new(2, 52) },
        new("trusted_image_certificates", JsonKind.Array | JsonKind.Null) { Since = new(2, 63) },
        new("host", JsonKind.String) { Since = new(2, 74) },
        new("hypervisor_hostname", JsonKind.String) { Since = new(2, 74) },
        new("hostname", JsonKind.String) { Since = new(2, 90) })
    {
        // Nova's additionalProperties: False. The boot builds the pod's request from the fields
        // it knows, so an unknown one would otherwise vanish instead of being refused.
        Siblings = ["os:scheduler_hints", "OS-SCH-HNT:scheduler_hints"],
    };

    private static readonly BodySchema VolumeAttachment = new("volumeAttachment", new BodyField("volumeId", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 36 })
    {
        RejectUnknown = false,
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
        var body = await Create.ReadAsync(context, version: ComputeApi.Version(context));
        var root = body.Root;
        var plan = await boot.PlanAsync(root, caller, context.RequestAborted);
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
        var allTenants = AllTenants(context.Request.Query);
        if (allTenants)
        {
            context.RequireAdmin($"os_compute_api:servers:{(detail ? "detail" : "index")}:get_all_tenants");
        }

        var page = await list.ListAsync(
            Shape,
            context.Request.Query,
            allTenants ? null : caller.ProjectId,
            caller.AuthToken,
            "servers/detail",
            ComputeApi.VersionHeaders(context),
            context.RequestAborted,
            ownBase: PodForwarder.GatewayBase(context),
            shownParts: detail ? DetailParts : BriefParts);
        if (detail)
        {
            await context.RequestServices.GetRequiredService<ServerNetworks>().ShowCentralNamesAsync(page.Items, context.RequestAborted);
        }

        // Nova links the next page whenever this one is full (common._get_collection_links).
        var links = page.Full() ? MergedList.NextLinks(ComputeApi.Url(context, detail ? "servers/detail" : "servers"), context.Request.Query, MergedList.Id(page.Items[^1])) : null;
        await WriteJsonAsync(context, 200, writer => page.WriteList(writer, "servers", detail ? null : Brief, links));
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

                return serverNetworks.ShowCentralNamesAsync([answer["server"]], context.RequestAborted);
            },
            headers: ComputeApi.VersionHeaders(context),
            parts: ShownParts);
        var records = context.RequestServices.GetRequiredService<ServerRecords>();
        if (status == 404)
        {
            // Gone from its pod: nothing routes to it any more, its quota is free, and its ports go.
            await records.ForgetAsync(routing.TopId, routing.ProjectId, pod, CancellationToken.None);
        }
        else if (status is 204 or 202 && HttpMethods.IsDelete(context.Request.Method))
        {
            // Going: shown as its pod shows it (task_state deleting) until the pod says it is gone.
            await records.DeletingAsync(routing.TopId, routing.ProjectId, pod, CancellationToken.None);
        }
    }

    private static async Task ForwardUnderAsync(string id, string rest, HttpContext context, RoutingStore routings, PodStore pods, PodForwarder forwarder)
    {
        var (routing, pod) = IsInstanceActions(rest) && HttpMethods.IsGet(context.Request.Method)
            ? await FindOrDeletedAsync(id, context, routings, pods)
            : await FindAsync(id, context, routings, pods);
        string? forgetOn = null;
        if (rest == "action" && HttpMethods.IsPost(context.Request.Method))
        {
            var body = await RequestBody.PeekAsync(context) as JsonObject;
            if (body?.ContainsKey("forceDelete") == true)
            {
                forgetOn = "forceDelete";
            }
            else if (body is not null && (body.ContainsKey("addSecurityGroup") || body.ContainsKey("removeSecurityGroup")))
            {
                await SecurityGroupActionAsync(context, routing, body);
                return;
            }
        }
        else if (rest == "os-volume_attachments" && HttpMethods.IsPost(context.Request.Method))
        {
            await CheckVolumeAsync(context, routing, pod, routings, pods);
        }

        var serverNetworks = context.RequestServices.GetRequiredService<ServerNetworks>();
        Func<JsonNode, Task>? rename = null;
        IReadOnlyList<string[]>? parts = null;
        if (rest.StartsWith("ips/", StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method))
        {
            // The label is the central network's name; the pod knows its copy by the central id.
            var label = rest["ips/".Length..];
            var podLabel = await serverNetworks.PodLabelAsync(routing.TopId, label, context.RequestAborted)
                ?? throw ApiException.NotFound("Instance is not a member of specified network");
            rest = "ips/" + podLabel;
            rename = answer =>
            {
                if (answer is JsonObject addresses && addresses[podLabel] is { } found)
                {
                    addresses.Remove(podLabel);
                    addresses[label] = found;
                }

                return Task.CompletedTask;
            };
        }
        else if (rest == "ips" && HttpMethods.IsGet(context.Request.Method))
        {
            parts = [["addresses"]];
            rename = answer => serverNetworks.ShowCentralNamesAsync([answer], context.RequestAborted);
        }
        else if (rest.StartsWith("os-instance-actions/", StringComparison.Ordinal) && HttpMethods.IsGet(context.Request.Method)
            && context.RequestServices.GetRequiredService<InstanceActionRequestIds>().PodIdOf(rest["os-instance-actions/".Length..]) is { } podRequestId)
        {
            // The gateway's request id (its x-compute-request-id) names the action the pod recorded under its own.
            var asked = rest["os-instance-actions/".Length..];
            rest = "os-instance-actions/" + podRequestId;
            parts = [["instanceAction", "request_id"]];
            rename = answer =>
            {
                if (answer["instanceAction"] is JsonObject action)
                {
                    action["request_id"] = asked;
                }

                return Task.CompletedTask;
            };
        }
        else if (rest == "action")
        {
            // A rebuild (2.75 on) answers with the server: its addresses and groups under the central names.
            rename = answer => serverNetworks.ShowCentralNamesAsync([answer["server"]], context.RequestAborted);
        }

        var status = await forwarder.ForwardAsync(context, pod, ComputeApi.ServiceType, $"servers/{Uri.EscapeDataString(id)}/{PodUrls.EscapePath(rest)}{context.Request.QueryString}", rename, headers: ComputeApi.VersionHeaders(context), parts: parts);
        if (forgetOn is not null && status is >= 200 and < 300)
        {
            // As a delete: routed until its pod says it is gone.
            await context.RequestServices.GetRequiredService<ServerRecords>().DeletingAsync(routing.TopId, routing.ProjectId, pod, CancellationToken.None);
        }
    }

    private static bool IsInstanceActions(string rest) => rest == "os-instance-actions" || rest.StartsWith("os-instance-actions/", StringComparison.Ordinal);

    /// <summary>
    /// The server's routing, or, once it is gone, its tombstone: Nova lists a deleted server's
    /// actions from microversion 2.21 (below, its pod answers 404 as Nova does).
    /// </summary>
    private static async Task<(ResourceRouting Routing, Pod Pod)> FindOrDeletedAsync(string id, HttpContext context, RoutingStore routings, PodStore pods)
    {
        var caller = ComputeApi.Caller(context);
        if (await routings.FindTopAsync(id, ResourceType, caller.IsAdmin ? null : caller.ProjectId, context.RequestAborted) is null
            && await context.RequestServices.GetRequiredService<ServerRecords>().FindDeletedAsync(id, caller.IsAdmin ? null : caller.ProjectId, context.RequestAborted) is { } deleted
            && await pods.FindAsync(deleted.PodId, context.RequestAborted) is { } pod)
        {
            return (deleted, pod);
        }

        return await FindAsync(id, context, routings, pods);
    }

    /// <summary>Nova's <c>addSecurityGroup</c>/<c>removeSecurityGroup</c>, done on the central ports (<see cref="ServerSecurityGroups"/>).</summary>
    private static async Task SecurityGroupActionAsync(HttpContext context, ResourceRouting server, JsonObject body)
    {
        var action = body.ContainsKey("addSecurityGroup") ? "addSecurityGroup" : "removeSecurityGroup";
        if (body.Count != 1)
        {
            throw ApiException.BadRequest("There is no such action: more than one action in the request body.");
        }

        var name = body[action] is JsonObject args && args["name"] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>().Trim() : null;
        if (string.IsNullOrEmpty(name))
        {
            throw ApiException.BadRequest("Missing parameter name");
        }

        var groups = context.RequestServices.GetRequiredService<ServerSecurityGroups>();
        if (action == "addSecurityGroup")
        {
            await groups.AddAsync(server.TopId, server.ProjectId, name, context.RequestAborted);
        }
        else
        {
            await groups.RemoveAsync(server.TopId, server.ProjectId, name, context.RequestAborted);
        }

        context.Response.StatusCode = StatusCodes.Status202Accepted;
    }

    /// <summary>
    /// Nova's <c>all_tenants</c>: present without a value is true, else one of oslo's strict
    /// boolean strings (anything else is a 400, as Nova's <c>bool_from_string(strict=True)</c>).
    /// </summary>
    public static bool AllTenants(IQueryCollection query)
    {
        if (!query.TryGetValue("all_tenants", out var values))
        {
            return false;
        }

        var text = values.ToString();
        return text.Length == 0 || (BodyValidator.BooleanText(text) ?? throw ApiException.BadRequest(
            $"Invalid input received: Unrecognized value '{text}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'"));
    }

    /// <summary>A volume attaches only to a server in its own pod: say so, rather than let the pod answer "not found".</summary>
    private static async Task CheckVolumeAsync(HttpContext context, ResourceRouting server, Pod serverPod, RoutingStore routings, PodStore pods)
    {
        var volumeId = VolumeAttachment.Check(context, await RequestBody.PeekObjectAsync(context, "volumeAttachment")).String("volumeId")!;
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
        var routing = await routings.FindTopCachedAsync(id, ResourceType, caller.IsAdmin ? null : caller.ProjectId, context.RequestAborted)
            ?? throw ApiException.NotFound($"Instance {id} could not be found.");
        var pod = await pods.FindCachedAsync(routing.PodId, context.RequestAborted)
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

    public static Task WriteJsonAsync(HttpContext context, int status, JsonNode body) => WriteJsonAsync(context, status, writer => body.WriteTo(writer));

    /// <summary>Writes what <paramref name="write"/> writes as the JSON answer.</summary>
    public static async Task WriteJsonAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        // Written once as UTF-8 into a pooled buffer (a merged page of 50 servers is tens of KB):
        // no string of it, and no array copied from that string.
        using var buffer = new Pods.PooledBuffer();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.Memory, context.RequestAborted);
    }
}
