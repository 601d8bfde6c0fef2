using System.Net;
using System.Text.Json;

namespace Tricircle.Support;

/// <summary>
/// An audit for tests: central state and every pod's own Nova and Neutron, compared exactly for
/// one project's servers and the given networks, in both directions. Each difference is named,
/// so a failure says what is an orphan (in a pod only) and what is missing (central only).
/// </summary>
public sealed class PodAgreement(GatewayFixture gateway)
{
    private static readonly (string Region, string Az)[] Pods = [("RegionOne", "az1"), ("RegionTwo", "az2")];

    public async Task<IReadOnlyList<string>> DifferencesAsync(string projectId, string token, IReadOnlyCollection<string> networkIds, IReadOnlyCollection<string> groupIds)
    {
        var problems = new List<string>();
        var servers = (await ListAsync(gateway.ComputeUrl, "servers/detail", "servers", token)).ToDictionary(s => Text(s, "id"), StringComparer.Ordinal);
        var centralPorts = new List<JsonElement>();
        foreach (var network in networkIds)
        {
            centralPorts.AddRange(await ListAsync(new Uri(gateway.NetworkUrl, "v2.0/"), "ports?network_id=" + network, "ports", gateway.AdminToken));
        }

        foreach (var (region, az) in Pods)
        {
            var emulator = gateway.Region(region);

            // Servers: the project's servers in the pod are exactly those central places there.
            var inPod = (await ListAsync(emulator.ComputeUrl, $"servers/detail?all_tenants=1&project_id={projectId}", "servers", gateway.AdminToken))
                .Where(s => Text(s, "status") is not ("DELETED" or "SOFT_DELETED")).Select(s => Text(s, "id")).ToHashSet(StringComparer.Ordinal);
            var placed = servers.Values.Where(s => Text(s, "OS-EXT-AZ:availability_zone") == az).Select(s => Text(s, "id")).ToHashSet(StringComparer.Ordinal);
            problems.AddRange(inPod.Except(placed).Select(id => $"{region}: server {id} is in the pod but not central (orphan)"));
            problems.AddRange(placed.Except(inPod).Select(id => $"{region}: server {id} is central but not in the pod"));

            // Ports: every copy is of a central port, with its MAC and addresses; every central
            // port of a server in this pod, and the DHCP port of every subnet, has its copy.
            foreach (var network in networkIds)
            {
                var copies = await ListAsync(new Uri(emulator.NetworkUrl, "v2.0/"), "networks?name=" + network, "networks", gateway.AdminToken);
                if (copies.Count > 1)
                {
                    problems.Add($"{region}: {copies.Count} copies of network {network}");
                }

                // A DHCP port's copy is needed where a server uses the network (a boot that failed
                // half-way may leave the network's copy without it, to be completed by the next boot).
                var serversHere = centralPorts.Any(p => Text(p, "network_id") == network && placed.Contains(Text(p, "device_id")));
                var expected = centralPorts.Where(p => Text(p, "network_id") == network
                    && (Text(p, "device_owner") == "network:dhcp" ? serversHere : placed.Contains(Text(p, "device_id"))))
                    .ToDictionary(p => Text(p, "id"), StringComparer.Ordinal);
                var podPorts = copies.Count == 0 ? [] : await ListAsync(new Uri(emulator.NetworkUrl, "v2.0/"), "ports?network_id=" + Text(copies[0], "id"), "ports", gateway.AdminToken);
                foreach (var copy in podPorts)
                {
                    var name = Text(copy, "name");
                    if (!serversHere && Text(copy, "device_owner") == "network:dhcp" && centralPorts.Any(p => Text(p, "id") == name))
                    {
                        continue; // made for a server that is gone, or for a boot that failed: allowed, not required
                    }

                    if (!expected.Remove(name, out var central))
                    {
                        problems.Add(centralPorts.FirstOrDefault(p => Text(p, "id") == name) is { ValueKind: JsonValueKind.Object } unbound
                            ? $"{region}: port copy of {name} is {Text(copy, "device_owner")} '{Text(copy, "device_id")}' in the pod, but central shows '{Text(unbound, "device_owner")}' '{Text(unbound, "device_id")}'"
                            : $"{region}: port {Text(copy, "id")} (named {name}, {Text(copy, "device_owner")}) has no central port it copies (orphan)");
                        continue;
                    }

                    if (Text(copy, "mac_address") != Text(central, "mac_address") || Addresses(copy) != Addresses(central))
                    {
                        problems.Add($"{region}: port copy of {name} has {Text(copy, "mac_address")} {Addresses(copy)}, central {Text(central, "mac_address")} {Addresses(central)}");
                    }

                    if (copy.GetProperty("description").GetString() != central.GetProperty("description").GetString())
                    {
                        problems.Add($"{region}: port copy of {name} says '{copy.GetProperty("description").GetString()}', central '{central.GetProperty("description").GetString()}'");
                    }
                }

                problems.AddRange(expected.Keys.Select(id => $"{region}: central port {id} has no copy in the pod"));
            }

            // Security groups: each copy's rules (other than remote-group ones, which become the project's CIDRs) are central's.
            foreach (var group in groupIds)
            {
                var copies = await ListAsync(new Uri(emulator.NetworkUrl, "v2.0/"), "security-groups?name=" + group, "security_groups", gateway.AdminToken);
                if (copies.Count == 0)
                {
                    continue;
                }

                var central = (await gateway.NetworkAsync(HttpMethod.Get, "security-groups/" + group, gateway.AdminToken)).Json.GetProperty("security_group");
                var want = Rules(central.GetProperty("security_group_rules"));
                var have = Rules((await ListAsync(new Uri(emulator.NetworkUrl, "v2.0/"), "security-group-rules?security_group_id=" + Text(copies[0], "id"), "security_group_rules", gateway.AdminToken)).ToArray());
                if (copies.Count > 1 || !want.SetEquals(have))
                {
                    problems.Add($"{region}: group {group} ({copies.Count} copies) has rules [{string.Join("; ", have.Order())}], central [{string.Join("; ", want.Order())}]");
                }
            }
        }

        return problems;
    }

    private async Task<List<JsonElement>> ListAsync(Uri root, string path, string collection, string token)
    {
        var answer = await gateway.SendAsync(new Uri(root.ToString().TrimEnd('/') + "/" + path), HttpMethod.Get, token, microversion: root == gateway.ComputeUrl ? "2.37" : null);
        Assert.True(answer.Status == HttpStatusCode.OK, $"{path}: {answer.Text}");
        return [.. answer.Json.GetProperty(collection).EnumerateArray()];
    }

    private static string Text(JsonElement item, string field) =>
        item.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static string Addresses(JsonElement port) =>
        string.Join(",", port.GetProperty("fixed_ips").EnumerateArray().Select(f => f.GetProperty("ip_address").GetString()).Order(StringComparer.Ordinal));

    private static HashSet<string> Rules(JsonElement rules) => Rules([.. rules.EnumerateArray()]);

    private static HashSet<string> Rules(JsonElement[] rules) =>
        [.. rules.Where(r => !r.TryGetProperty("remote_group_id", out var g) || g.ValueKind == JsonValueKind.Null)
            .Select(r => string.Join("/", Text(r, "direction"), Text(r, "ethertype"), Text(r, "protocol"), Number(r, "port_range_min"), Number(r, "port_range_max"), Text(r, "remote_ip_prefix")))];

    private static string Number(JsonElement item, string field) =>
        item.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32().ToString(System.Globalization.CultureInfo.InvariantCulture) : "";
}
