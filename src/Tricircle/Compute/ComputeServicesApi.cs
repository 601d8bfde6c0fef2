using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>
/// <c>os-services</c> merged over every pod (admin only, as Nova's default policy): each pod's
/// services with their host as <c>host@Region</c>, the zone of a pod's compute service as the
/// central region names the pod's AZ, and ids a following set or delete accepts: integer ids
/// (below 2.53) in the pod's block (<see cref="OperatorViews.CentralId"/>), UUIDs (2.53 on) as
/// the pod gave them, found again by asking the pods. Enable/disable before 2.53 takes the
/// qualified host; a pod that does not answer is left out of the list.
/// </summary>
internal static class ComputeServicesApi
{
    private const int UuidForIdMinor = 53;

    public static void MapComputeServicesApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-services", ListAsync);
        v21.MapPut("/os-services/{id}", UpdateAsync);
        v21.MapDelete("/os-services/{id}", DeleteAsync);
    }

    /// <summary>A pod's service as the central region shows it.</summary>
    public static JsonObject View(JsonObject service, int podNumber, Pod pod)
    {
        OperatorViews.CentralIdField(service, "id", podNumber);
        OperatorViews.QualifyField(service, "host", pod);
        if (service["zone"] is JsonValue zone && zone.TryGetValue<string>(out var name) && name != "internal")
        {
            service["zone"] = pod.AzName;
        }

        return service;
    }

    private static async Task<List<(int Number, Pod Pod, JsonObject Service)>> ServicesAsync(HttpContext context, OperatorViews views, PodClient client, IReadOnlyList<(int Number, Pod Pod)> pods, string query)
    {
        var caller = context.GetRequestContext();
        var answers = await views.AskAsync("os-services", pods, async (pod, ct) =>
            (await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, "os-services" + query, null, caller.AuthToken, ct, ComputeApi.VersionHeaders(context)))?["services"] as JsonArray ?? [],
            context.RequestAborted);
        return [.. answers.SelectMany(a => a.Value.OfType<JsonObject>().Select(s => (a.Number, a.Pod, View((JsonObject)s.DeepClone(), a.Number, a.Pod))))];
    }

    private static async Task ListAsync(HttpContext context, OperatorViews views, PodClient client)
    {
        context.RequireAdmin("os_compute_api:os-services:list");
        var pods = await views.PodsAsync(context.RequestAborted);

        // A qualified host asks its pod only, for its own name; an unqualified one asks every pod.
        var parts = new List<string>();
        foreach (var (key, values) in context.Request.Query)
        {
            foreach (var value in values)
            {
                var text = value ?? "";
                if (key == "host" && text.Length > 0 && OperatorViews.Split(text, pods) is { Pod: { } pod } split)
                {
                    pods = [.. pods.Where(p => p.Pod == pod)];
                    text = split.Host;
                }

                parts.Add(Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(text));
            }
        }

        var services = await ServicesAsync(context, views, client, pods, parts.Count > 0 ? "?" + string.Join('&', parts) : "");
        await NovaJson.WriteAsync(context, new JsonObject { ["services"] = new JsonArray([.. services.Select(s => (JsonNode)s.Service)]) });
    }

    /// <summary>The pod holding the service of a 2.53+ UUID (asked of every pod).</summary>
    private static async Task<(int Number, Pod Pod)> FindByUuidAsync(HttpContext context, OperatorViews views, PodClient client, string id)
    {
        if (!Guid.TryParse(id, out _))
        {
            throw ApiException.BadRequest($"Invalid uuid {id}");
        }

        var services = await ServicesAsync(context, views, client, await views.PodsAsync(context.RequestAborted), "");
        var found = services.FirstOrDefault(s => s.Service["id"]?.ToString() == id);
        return found.Pod is null ? throw ApiException.NotFound($"Service {id} could not be found.") : (found.Number, found.Pod);
    }

    private static async Task UpdateAsync(string id, HttpContext context, OperatorViews views, PodClient client)
    {
        context.RequireAdmin("os_compute_api:os-services:update");
        var caller = context.GetRequestContext();
        var body = await RequestBody.ReadObjectAsync(context);
        if (NovaJson.AtLeast(context, UuidForIdMinor))
        {
            var (number, pod) = await FindByUuidAsync(context, views, client, id);
            var updated = await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Put, "os-services/" + Uri.EscapeDataString(id), body, caller.AuthToken, context.RequestAborted, ComputeApi.VersionHeaders(context));
            await NovaJson.WriteAsync(context, new JsonObject { ["service"] = View(updated?["service"]?.DeepClone() as JsonObject ?? [], number, pod) });
            return;
        }

        // Before 2.53 the path names the action and the body the service, by host and binary.
        if (body["host"] is not JsonValue hostValue || !hostValue.TryGetValue<string>(out var host) || host.Length == 0)
        {
            throw ApiException.BadRequest("Invalid input for field/attribute host. 'host' is a required property (a host as this region lists it, host@Region)");
        }

        var pods = await views.PodsAsync(context.RequestAborted);
        var (target, podHost) = OperatorViews.Split(host, pods);
        if (target is null)
        {
            throw ApiException.NotFound($"Could not find binary {body["binary"]} on host {host}. Hosts are named host@Region here (the pod's region), as os-services lists them.");
        }

        body["host"] = podHost;
        var answer = await client.SendJsonAsync(target, ComputeApi.ServiceType, HttpMethod.Put, "os-services/" + Uri.EscapeDataString(id), body, caller.AuthToken, context.RequestAborted, ComputeApi.VersionHeaders(context));
        var service = answer?["service"]?.DeepClone() as JsonObject ?? [];
        OperatorViews.QualifyField(service, "host", target);
        await NovaJson.WriteAsync(context, new JsonObject { ["service"] = service });
    }

    private static async Task DeleteAsync(string id, HttpContext context, OperatorViews views, PodClient client)
    {
        context.RequireAdmin("os_compute_api:os-services:delete");
        var caller = context.GetRequestContext();
        Pod pod;
        string podId;
        if (NovaJson.AtLeast(context, UuidForIdMinor))
        {
            (_, pod) = await FindByUuidAsync(context, views, client, id);
            podId = id;
        }
        else
        {
            if (!int.TryParse(id, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                throw ApiException.BadRequest("Invalid input received: id must be an integer");
            }

            var (found, number) = OperatorViews.FromCentralId(id, await views.PodsAsync(context.RequestAborted));
            pod = found ?? throw ApiException.NotFound($"Service {id} not found.");
            podId = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        try
        {
            await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Delete, "os-services/" + Uri.EscapeDataString(podId), null, caller.AuthToken, context.RequestAborted, ComputeApi.VersionHeaders(context));
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
            throw ApiException.NotFound($"Service {id} not found.");
        }

        await NovaJson.NoContentAsync(context, StatusCodes.Status204NoContent);
    }
}
