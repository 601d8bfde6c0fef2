using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Pods;

namespace Tricircle.Compute;

/// <summary>What an import did with one flavor (and why, when it did not import it).</summary>
internal sealed record FlavorImportItem(string Id, string Name, string? Reason = null);

/// <summary>The outcome of an import: what was made central, what was there already, what was left and why.</summary>
internal sealed record FlavorImportReport(
    IReadOnlyList<FlavorImportItem> Imported,
    IReadOnlyList<FlavorImportItem> Existing,
    IReadOnlyList<FlavorImportItem> Conflicts,
    IReadOnlyList<FlavorImportItem> Skipped,
    IReadOnlyList<FlavorImportItem> FailedPods);

/// <summary>
/// Makes the pods' own flavors central, so that a new deployment's flavor list is what its pods
/// already offer: a public flavor that every pod answering has (or the one named pod has), with
/// the same id, name, sizes and extra specs everywhere, is created centrally under that id and
/// name. A flavor already central with the same specs is left as it is (so an import is
/// idempotent); one whose id or name is central with other specs is a conflict, reported and
/// left. Private flavors are skipped (their access lists are per pod): create them centrally.
/// A pod that does not answer is reported and left out of "every pod" (none answering: nothing imported).
/// </summary>
internal sealed class FlavorImport(FlavorStore flavors, PodStore pods, PodClient client, PodFanOut fanOut)
{
    // 2.61: the list carries extra specs; 2.55: description. Swap is "" for 0 before 2.75.
    private static readonly KeyValuePair<string, string>[] ListVersion =
        [new("OpenStack-API-Version", "compute 2.61"), new("X-OpenStack-Nova-API-Version", "2.61")];

    public async Task<FlavorImportReport> ImportAsync(string? podReference, CancellationToken cancellationToken)
    {
        var sources = await SourcesAsync(podReference, cancellationToken);
        var answers = await fanOut.AskAsync(sources, (pod, ct) => client.SendJsonAsync(pod, ComputeApi.ServiceType, HttpMethod.Get, "flavors/detail?is_public=None", null, null, ct, ListVersion), cancellationToken);
        var failed = answers.Where(a => !a.Succeeded).Select(a => new FlavorImportItem(a.Pod.PodId, a.Pod.RegionName, a.Failure)).ToList();
        var answered = answers.Where(a => a.Succeeded).Select(a => (a.Pod, Flavors: (a.Value?["flavors"] as JsonArray ?? []).OfType<JsonObject>().Select(Read).ToList())).ToList();
        var imported = new List<FlavorImportItem>();
        var existing = new List<FlavorImportItem>();
        var conflicts = new List<FlavorImportItem>();
        var skipped = new List<FlavorImportItem>();
        var central = await flavors.ListAsync(cancellationToken);
        foreach (var id in answered.SelectMany(a => a.Flavors).Select(f => f.Flavor.FlavorId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var copies = answered.Select(a => (a.Pod, Copy: a.Flavors.FirstOrDefault(f => f.Flavor.FlavorId == id))).ToList();
            var first = copies.First(c => c.Copy is not null).Copy!;
            var name = first.Flavor.Name;
            if (copies.FirstOrDefault(c => c.Copy is null) is { Pod: not null } missing)
            {
                skipped.Add(new(id, name, $"pod {missing.Pod.RegionName} has no flavor {id}"));
                continue;
            }

            if (copies.FirstOrDefault(c => !Same(c.Copy!, first)) is { Pod: not null } differs)
            {
                conflicts.Add(new(id, name, $"pod {differs.Pod.RegionName}'s flavor {id} differs from pod {copies[0].Pod.RegionName}'s ({Describe(differs.Copy!)} against {Describe(first)})"));
                continue;
            }

            if (!first.Flavor.IsPublic)
            {
                skipped.Add(new(id, name, "private (its access lists are the pods' own): create it centrally and grant access"));
                continue;
            }

            var byId = central.FirstOrDefault(f => f.FlavorId == id);
            var byName = central.FirstOrDefault(f => f.Name == name);
            var there = byId ?? byName;
            if (there is not null)
            {
                var theirs = new PodFlavor(there, await flavors.ExtraSpecsAsync(there.FlavorId, cancellationToken));
                if (there.FlavorId == id && there.Name == name && Same(theirs, first))
                {
                    existing.Add(new(id, name));
                }
                else
                {
                    conflicts.Add(new(id, name, byId is not null && byId.Name != name
                        ? $"central flavor {id} is named {byId.Name}"
                        : byId is null ? $"central flavor {there.FlavorId} is named {name}: {Describe(theirs)} against the pods' {Describe(first)}"
                        : $"central flavor {id} is {Describe(theirs)}, the pods' {Describe(first)}"));
                }

                continue;
            }

            try
            {
                await flavors.CreateAsync(first.Flavor, cancellationToken);
            }
            catch (TricircleException e) when (e.Kind == ErrorKind.Conflict)
            {
                // Made meanwhile (another import, an operator): judged as above on the next run.
                conflicts.Add(new(id, name, e.Message));
                continue;
            }

            if (first.Specs.Count > 0)
            {
                await flavors.SetExtraSpecsAsync(id, first.Specs, cancellationToken);
            }

            imported.Add(new(id, name));
        }

        return new(imported, existing, conflicts, skipped, failed);
    }

    /// <summary>The named pod (id or region name), or every registered pod but the central one.</summary>
    private async Task<IReadOnlyList<Pod>> SourcesAsync(string? reference, CancellationToken cancellationToken)
    {
        if (reference is not null)
        {
            var pod = await pods.FindAsync(reference, cancellationToken) ?? await pods.FindByRegionAsync(reference, cancellationToken);
            return pod is null ? throw TricircleException.NotFound($"Pod {reference} could not be found.")
                : pod.IsCentral ? throw TricircleException.Invalid($"Pod {reference} is the central one: it has no Nova of its own.")
                : [pod];
        }

        var all = (await pods.ListAsync(new Dictionary<string, string>(), cancellationToken)).Where(p => !p.IsCentral).ToList();
        return all.Count > 0 ? all : throw TricircleException.Invalid("No pod is registered: there are no flavors to import.");
    }

    private sealed record PodFlavor(Flavor Flavor, IReadOnlyDictionary<string, string> Specs);

    private static PodFlavor Read(JsonObject json)
    {
        var flavor = new Flavor
        {
            FlavorId = Text(json["id"]) ?? "",
            Name = Text(json["name"]) ?? "",
            Ram = Int(json["ram"]),
            Vcpus = Int(json["vcpus"]),
            Disk = Int(json["disk"]),
            Ephemeral = Int(json["OS-FLV-EXT-DATA:ephemeral"]),
            Swap = Int(json["swap"]),
            RxtxFactor = json["rxtx_factor"] is JsonValue r && r.TryGetValue<double>(out var rxtx) ? rxtx : 1.0,
            IsPublic = json["os-flavor-access:is_public"] is not JsonValue p || !p.TryGetValue<bool>(out var isPublic) || isPublic,
            Description = Text(json["description"]),
        };
        var specs = (json["extra_specs"] as JsonObject ?? [])
            .Where(s => s.Value is not null)
            .ToDictionary(s => s.Key, s => Text(s.Value) ?? s.Value!.ToJsonString(), StringComparer.Ordinal);
        return new(flavor, specs);
    }

    private static bool Same(PodFlavor a, PodFlavor b) =>
        a.Flavor.Name == b.Flavor.Name && a.Flavor.Ram == b.Flavor.Ram && a.Flavor.Vcpus == b.Flavor.Vcpus && a.Flavor.Disk == b.Flavor.Disk
        && a.Flavor.Ephemeral == b.Flavor.Ephemeral && a.Flavor.Swap == b.Flavor.Swap && a.Flavor.IsPublic == b.Flavor.IsPublic
        && Math.Abs(a.Flavor.RxtxFactor - b.Flavor.RxtxFactor) < 1e-9
        && a.Specs.Count == b.Specs.Count && a.Specs.All(s => b.Specs.TryGetValue(s.Key, out var v) && v == s.Value);

    private static string Describe(PodFlavor f) =>
        string.Create(CultureInfo.InvariantCulture, $"{f.Flavor.Name}: {f.Flavor.Vcpus} vCPUs, {f.Flavor.Ram} MB RAM, {f.Flavor.Disk} GB disk, {f.Flavor.Ephemeral} GB ephemeral, {f.Flavor.Swap} MB swap{(f.Specs.Count == 0 ? "" : ", specs " + string.Join(",", f.Specs.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}")))}");

    private static string? Text(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    // Nova shows swap 0 as "" before 2.75.
    private static int Int(JsonNode? node) => node is JsonValue v && v.TryGetValue<int>(out var i) ? i : 0;
}
