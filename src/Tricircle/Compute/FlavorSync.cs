using System.Text.Json.Nodes;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Compute;

/// <summary>
/// Copies a central flavor into a pod the first time a server there needs it (with the admin
/// token): the same id when the pod has none or one of the same shape, a new id when the pod's
/// flavor of that id is something else. The routing row (type <c>flavor</c>) remembers the copy.
/// </summary>
internal sealed class FlavorSync(FlavorStore flavors, PodCopies copies, PodClient client)
{
    public const string ResourceType = "flavor";

    /// <summary>The flavor's id in the pod, copying it there first if needed; private flavors are opened to <paramref name="projectId"/> there.</summary>
    public async Task<string> EnsureAsync(Flavor flavor, Pod pod, string projectId, CancellationToken cancellationToken)
    {
        // Flavors belong to no project: their rows carry an empty one.
        var bottom = await copies.EnsureAsync(ResourceType, flavor.FlavorId, pod, "", ct => CopyAsync(flavor, pod, ct), cancellationToken);
        if (!flavor.IsPublic)
        {
            try
            {
                await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Post, $"flavors/{Uri.EscapeDataString(bottom)}/action",
                    new JsonObject { ["addTenantAccess"] = new JsonObject { ["tenant"] = projectId } }, null, cancellationToken);
            }
            catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status409Conflict)
            {
                // The project has access there already.
            }
        }

        return bottom;
    }

    private async Task<string> CopyAsync(Flavor flavor, Pod pod, CancellationToken cancellationToken)
    {
        JsonNode? existing = null;
        try
        {
            existing = (await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, "flavors/" + Uri.EscapeDataString(flavor.FlavorId), null, null, cancellationToken))?["flavor"];
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
        {
        }

        string bottomId;
        if (existing is null)
        {
            bottomId = await CreateAsync(flavor, pod, flavor.FlavorId, cancellationToken);
        }
        else if (flavor.SameShape(existing) && (existing["os-flavor-access:is_public"] is not JsonValue isPublic || isPublic.GetValue<bool>()) == flavor.IsPublic)
        {
            bottomId = flavor.FlavorId; // the pod's own flavor of that id is the same thing: use it
        }
        else
        {
            bottomId = await CreateAsync(flavor, pod, Guid.NewGuid().ToString(), cancellationToken);
        }

        var specs = await flavors.ExtraSpecsAsync(flavor.FlavorId, cancellationToken);
        if (specs.Count > 0)
        {
            var body = new JsonObject();
            foreach (var (key, value) in specs)
            {
                body[key] = value;
            }

            await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Post, $"flavors/{Uri.EscapeDataString(bottomId)}/os-extra_specs", new JsonObject { ["extra_specs"] = body }, null, cancellationToken);
        }

        return bottomId;
    }

    private async Task<string> CreateAsync(Flavor flavor, Pod pod, string id, CancellationToken cancellationToken)
    {
        JsonObject Body(string name) => new()
        {
            ["flavor"] = new JsonObject
            {
                ["id"] = id,
                ["name"] = name,
                ["ram"] = flavor.Ram,
                ["vcpus"] = flavor.Vcpus,
                ["disk"] = flavor.Disk,
                ["OS-FLV-EXT-DATA:ephemeral"] = flavor.Ephemeral,
                ["swap"] = flavor.Swap,
                ["rxtx_factor"] = flavor.RxtxFactor,
                ["os-flavor-access:is_public"] = flavor.IsPublic,
            },
        };

        try
        {
            await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Post, "flavors", Body(flavor.Name), null, cancellationToken);
        }
        catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status409Conflict)
        {
            // The pod has another flavor of that name: the copy is named after the central id.
            await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Post, "flavors", Body($"{flavor.Name}-{flavor.FlavorId}"), null, cancellationToken);
        }

        return id;
    }
}
