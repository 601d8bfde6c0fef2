using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Volume;

/// <summary>
/// Cinder's <c>os-services</c> merged over every pod (admin only, as Cinder's default policy):
/// each pod's services with their host qualified by the pod's region (<c>host@Region</c>, a
/// volume service's <c>host@backend@Region</c>) and their zone as the central region names the
/// pod's AZ. Enable, disable and disable-log-reason take the qualified host and go to its pod.
/// A pod that does not answer is left out of the list.
/// </summary>
internal static class VolumeServicesApi
{
    private static readonly HashSet<string> Actions = new(StringComparer.Ordinal) { "enable", "disable", "disable-log-reason", "freeze", "thaw" };

    public static void MapVolumeServicesApi(this IEndpointRouteBuilder v3)
    {
        v3.MapGet("/os-services", ListAsync);
        v3.MapPut("/os-services/{action}", UpdateAsync);
    }

    private static async Task ListAsync(HttpContext context, OperatorViews views, PodClient client)
    {
        var caller = context.RequireAdmin("volume_extension:services:index");
        var pods = await views.PodsAsync(context.RequestAborted);
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

        var query = parts.Count > 0 ? "?" + string.Join('&', parts) : "";
        var answers = await views.AskAsync("volume os-services", pods, async (pod, ct) =>
            (await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get, "os-services" + query, null, caller.AuthToken, ct, VolumeApi.VersionHeaders(context)))?["services"] as JsonArray ?? [],
            context.RequestAborted);
        var services = new JsonArray();
        foreach (var (_, pod, list) in answers)
        {
            foreach (var service in list.OfType<JsonObject>().Select(s => (JsonObject)s.DeepClone()))
            {
                OperatorViews.QualifyField(service, "host", pod);
                service["zone"] = pod.AzName;
                services.Add(service);
            }
        }

        await Compute.ServersApi.WriteJsonAsync(context, 200, new JsonObject { ["services"] = services });
    }

    private static async Task UpdateAsync(string action, HttpContext context, OperatorViews views, PodClient client)
    {
        var caller = context.RequireAdmin("volume_extension:services:update");
        if (!Actions.Contains(action))
        {
            throw ApiException.BadRequest("Invalid input received: Unknown action");
        }

        var body = await RequestBody.ReadObjectAsync(context);
        if (body["host"] is not JsonValue hostValue || !hostValue.TryGetValue<string>(out var host) || host.Length == 0)
        {
            throw ApiException.BadRequest("Invalid input received: Host field is missing.");
        }

        var (pod, podHost) = OperatorViews.Split(host, await views.PodsAsync(context.RequestAborted));
        if (pod is null)
        {
            var binary = body["binary"]?.ToString() ?? body["service"]?.ToString();
            throw ApiException.NotFound($"Service {binary} could not be found on host {host}. Hosts are named host@Region here (a volume service's host@backend@Region), as os-services lists them.");
        }

        body["host"] = podHost;
        var answer = await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Put, "os-services/" + Uri.EscapeDataString(action), body, caller.AuthToken, context.RequestAborted, VolumeApi.VersionHeaders(context)) as JsonObject ?? [];
        OperatorViews.QualifyField(answer, "host", pod);
        await Compute.ServersApi.WriteJsonAsync(context, 200, answer);
    }
}
