using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Lab;

/// <summary>
/// An external network through Tricircle in front of the lab's real regions: the admin makes a
/// flat one with the real <c>openstack</c> CLI, and the region it names has it at once in its own
/// Neutron, with its subnet; a flat physical network the region's own network holds is refused
/// by that real Neutron, and the refusal is the CLI's answer with nothing left centrally.
/// </summary>
[Collection(LabWalkthroughs.Name)]
[Trait("Category", "Lab")]
public sealed class ExternalNetworkWalkthroughTests(LabTricircle lab)
{
    private string Central => lab.Cloud.CentralRegion;

    [LabFact]
    public async Task AnExternalFlatNetwork_IsRealInItsRegionAtOnce_AndTheRegionsRefusalIsTheAnswer()
    {
        await lab.EnsurePodsAsync();
        var (first, last) = (lab.Cloud.Regions[0], lab.Cloud.Regions[^1]);
        var suffix = Guid.NewGuid().ToString("N")[..8];
        string? network = null;
        string? own = null;
        try
        {
            // physnet1 is a flat network in every lab region (lab.sh: flat_networks = public,physnet1), used by VLANs only.
            network = (await lab.OpenStackJsonAsync(Central, false, "network", "create", "--external", "--provider-network-type", "flat",
                "--provider-physical-network", "physnet1", "--availability-zone-hint", last, "lab-ext-" + suffix)).GetProperty("id").GetString()!;
            var subnet = (await lab.OpenStackJsonAsync(Central, false, "subnet", "create", "--network", network, "--subnet-range", "198.51.100.0/24",
                "--no-dhcp", "--gateway", "198.51.100.1", "lab-ext-sub-" + suffix)).GetProperty("id").GetString()!;

            var copy = Assert.Single((await lab.OpenStackJsonAsync(last, false, "network", "list", "--name", network)).EnumerateArray());
            var shown = await lab.OpenStackJsonAsync(last, false, "network", "show", copy.GetProperty("ID").GetString()!);
            var external = shown.GetProperty("router:external"); // openstackclient prints a bool, or External in older releases
            Assert.True(external.ValueKind == JsonValueKind.True || external.ToString() == "External", shown.ToString());
            Assert.Equal("flat", shown.GetProperty("provider:network_type").GetString());
            Assert.Equal("physnet1", shown.GetProperty("provider:physical_network").GetString());
            var bottomSubnet = Assert.Single((await lab.OpenStackJsonAsync(last, false, "subnet", "list", "--name", subnet)).EnumerateArray());
            Assert.Equal("198.51.100.0/24", bottomSubnet.GetProperty("Subnet").GetString());
            foreach (var other in lab.Cloud.Regions.Where(r => r != last))
            {
                Assert.Empty((await lab.OpenStackJsonAsync(other, false, "network", "list", "--name", network)).EnumerateArray());
            }

            // The first region's own network on flat `public` (lab.sh's smoke makes one; else made
            // here): its real Neutron refuses a second, and nothing of it is left centrally.
            if ((await lab.OpenStackJsonAsync(first, false, "network", "list", "--provider-physical-network", "public", "--provider-network-type", "flat")).GetArrayLength() == 0)
            {
                own = (await lab.OpenStackJsonAsync(first, false, "network", "create", "--provider-network-type", "flat", "--provider-physical-network", "public", "lab-own-" + suffix))
                    .GetProperty("id").GetString()!;
            }

            var refused = await CliRunner.RunAsync("openstack",
                ["network", "create", "--external", "--provider-network-type", "flat", "--provider-physical-network", "public", "--availability-zone-hint", first, "lab-ext-refused-" + suffix],
                lab.Cloud.Openrc(Central, false), TimeSpan.FromMinutes(2));
            Assert.True(refused.ExitCode != 0, $"a second flat network on public in {first} should be refused\n{refused}");
            Assert.Contains("public is in use", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains(first, refused.Stderr, StringComparison.Ordinal);
            Assert.Empty((await lab.OpenStackJsonAsync(Central, false, "network", "list", "--name", "lab-ext-refused-" + suffix)).EnumerateArray());

            await lab.OpenStackAsync(Central, false, "network", "delete", network);
            network = null;
            Assert.Empty((await lab.OpenStackJsonAsync(last, false, "network", "list", "--name", copy.GetProperty("Name").GetString()!)).EnumerateArray());
        }
        finally
        {
            if (network is not null)
            {
                await CliRunner.RunAsync("openstack", ["network", "delete", network], lab.Cloud.Openrc(Central, false), TimeSpan.FromMinutes(2));
            }

            if (own is not null)
            {
                await CliRunner.RunAsync("openstack", ["network", "delete", own], lab.Cloud.Openrc(first, false), TimeSpan.FromMinutes(2));
            }
        }
    }
}
