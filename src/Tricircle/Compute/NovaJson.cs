using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>What the gateway's own Nova resources share: microversion checks, links and answers (bodies are declared as <see cref="BodySchema"/>s).</summary>
internal static class NovaJson
{
    public static bool AtLeast(HttpContext context, int minor) => ComputeApi.Version(context) >= new Microversion(2, minor);

    /// <summary>Nova's self and bookmark links of a resource.</summary>
    public static JsonArray Links(HttpContext context, string collection, string id)
    {
        var escaped = Uri.EscapeDataString(id);
        var project = context.GetRequestContext().ProjectId;
        var root = Hosting.ProjectPathMiddleware.UrlProject(context) is null ? "" : project + "/";
        var gateway = Pods.PodForwarder.GatewayBase(context);
        return
        [
            new JsonObject { ["rel"] = "self", ["href"] = $"{gateway}/v2.1/{root}{collection}/{escaped}" },
            new JsonObject { ["rel"] = "bookmark", ["href"] = $"{gateway}/{root}{collection}/{escaped}" },
        ];
    }

    public static Task WriteAsync(HttpContext context, JsonNode body, int status = 200) => ServersApi.WriteJsonAsync(context, status, body);

    public static Task NoContentAsync(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }
}
