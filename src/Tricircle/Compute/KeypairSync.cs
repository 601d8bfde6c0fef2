using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>A user's central keypair imported into a pod's Nova, with the user's own token, the first time a boot there needs it.</summary>
internal sealed class KeypairSync(PodClient client)
{
    /// <summary>
    /// Makes sure the pod has the user's keypair with the same public key: imported when missing,
    /// 409 naming the pod when the pod has another key under that name.
    /// </summary>
    public async Task EnsureInPodAsync(Pod pod, Keypair keypair, RequestContext caller, CancellationToken cancellationToken)
    {
        var path = "os-keypairs/" + Uri.EscapeDataString(keypair.Name);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                var existing = await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, path, null, caller.AuthToken, cancellationToken, [new("OpenStack-API-Version", "compute 2.2")]);
                if (existing?["keypair"]?["fingerprint"]?.ToString() is { } fingerprint && fingerprint != keypair.Fingerprint)
                {
                    throw TricircleException.Conflict($"Key pair '{keypair.Name}' exists in pod {pod.RegionName} with another public key (fingerprint {fingerprint}, not {keypair.Fingerprint}): delete it there or use another name.");
                }

                return;
            }
            catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status404NotFound)
            {
            }

            try
            {
                var body = new JsonObject { ["keypair"] = new JsonObject { ["name"] = keypair.Name, ["public_key"] = keypair.PublicKey, ["type"] = keypair.Type } };
                await client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Post, "os-keypairs", body, caller.AuthToken, cancellationToken, [new("OpenStack-API-Version", "compute 2.2")]);
                return;
            }
            catch (PodErrorException e) when (e.StatusCode == StatusCodes.Status409Conflict)
            {
                // A concurrent boot imported it a moment ago: compare what is there now.
            }
        }
    }
}
