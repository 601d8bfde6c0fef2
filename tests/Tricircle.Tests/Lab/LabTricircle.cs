using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Tricircle.Support;

namespace Tricircle.Lab;

/// <summary>
/// A running Tricircle (<c>tricircle serve</c>, a child process with its own tricircle.conf and
/// a fresh database) in front of the lab's real regions: authenticating against the real
/// Keystone as its service user, every API it serves registered in the central region of the
/// real catalog, pods registered by region name (<see cref="EnsurePodsAsync"/>). Shared by every
/// walkthrough of the Lab collection; walkthroughs leave the pods registered as they found them.
/// </summary>
public sealed class LabTricircle : IAsyncLifetime
{
    /// <summary>
    /// Tricircle's APIs, each on its own port, put in the central region of the catalog. A
    /// gateway that lands adds its line here, so every walkthrough finds it in the catalog. No
    /// image role: the lab's one Glance is shared by all regions and already listed in the central
    /// region, which is the case the README tells an operator to leave the image role off for
    /// (and the lab's Glance owns 9292).
    /// </summary>
    public static readonly IReadOnlyList<Gateway> Gateways =
    [
        new("admin", "tricircle", "tricircle", "v1.0"),
        new("compute", "compute", "nova", "v2.1"),
        new("volume", "volumev3", "cinderv3", "v3/$(project_id)s"),
        new("volume", "block-storage", "cinder", "v3/$(project_id)s"),
        new("network", "network", "neutron", ""),
    ];

    private readonly StringBuilder _output = new();
    private readonly List<string> _endpointIds = [];
    private Process? _process;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(120) };

    public LabCloud Cloud { get; private set; } = null!;

    /// <summary>Where tricircle.conf, the SQLite database and the service's state live.</summary>
    public string Directory { get; private set; } = "";

    public string ConfigFile => Path.Combine(Directory, "tricircle.conf");

    /// <summary>Each gateway's URL as registered in the catalog, by service type.</summary>
    public IReadOnlyDictionary<string, Uri> Urls { get; private set; } = new Dictionary<string, Uri>();

    public Uri AdminUrl => Urls["tricircle"];

    /// <summary>What the service printed so far: for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async Task InitializeAsync()
    {
        if (LabCloud.Env("AUTH_URL") is null)
        {
            return; // no lab: every [LabFact] is skipped, and xUnit builds the fixture all the same
        }

        Cloud = await LabCloud.FromEnvironmentAsync(Http);
        Directory = System.IO.Directory.CreateTempSubdirectory("tricircle-lab-").FullName;
        var ports = Gateways.Select(g => g.Role).Distinct().ToDictionary(r => r, _ => FreePort());
        await File.WriteAllTextAsync(ConfigFile, Configuration(ports));

        var sync = await CliRunner.RunAsync(Executable, ["db", "sync", "--config-file", ConfigFile], new Dictionary<string, string?>());
        Assert.True(sync.ExitCode == 0, $"tricircle db sync\n{sync}");

        var start = new ProcessStartInfo(Executable) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["serve", "--config-file", ConfigFile])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("OS_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var urls = new Dictionary<string, Uri>();
        foreach (var gateway in Gateways)
        {
            var root = new Uri($"http://127.0.0.1:{ports[gateway.Role].ToString(CultureInfo.InvariantCulture)}/");
            await WaitUntilAnsweringAsync(root);
            var url = new Uri(root, gateway.Path);
            urls[gateway.ServiceType] = url;
            _endpointIds.AddRange(await Cloud.RegisterCentralEndpointAsync(Http, gateway.ServiceType, gateway.ServiceName, url));
        }

        Urls = urls;
    }

    /// <summary>The central pod and one pod per lab region (RegionN in azN, the pod's own AZ "nova"), through the Admin API; keeps what exists.</summary>
    public async Task EnsurePodsAsync()
    {
        var token = (await Cloud.AdminTokenAsync(Http)).Id;
        var existing = (await AdminAsync(HttpMethod.Get, "pods", token)).GetProperty("pods").EnumerateArray()
            .Select(p => p.GetProperty("region_name").GetString()).ToHashSet();
        if (!existing.Contains(Cloud.CentralRegion))
        {
            await AdminAsync(HttpMethod.Post, "pods", token, new { pod = new { region_name = Cloud.CentralRegion } });
        }

        for (var i = 0; i < Cloud.Regions.Count; i++)
        {
            if (!existing.Contains(Cloud.Regions[i]))
            {
                await AdminAsync(HttpMethod.Post, "pods", token, new { pod = new { region_name = Cloud.Regions[i], az_name = PodAz(i), pod_az_name = "nova", dc_name = "lab" } });
            }
        }
    }

    /// <summary>The availability zone Tricircle gives the i-th region's pod (0-based): az1, az2, ...</summary>
    public static string PodAz(int index) => "az" + (index + 1).ToString(CultureInfo.InvariantCulture);

    /// <summary>The Admin API, as the admin; throws with the body on anything but 2xx.</summary>
    public async Task<JsonElement> AdminAsync(HttpMethod method, string path, string token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(AdminUrl.ToString().TrimEnd('/') + "/" + path));
        request.Headers.Add("X-Auth-Token", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {text}\nservice:\n{Output}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The real <c>openstack</c> CLI as the admin (or the demo member) in <paramref name="region"/>; asserts exit 0.</summary>
    public async Task<CliRunner.Result> OpenStackAsync(string? region, bool demo, params string[] args)
    {
        var result = await CliRunner.RunAsync("openstack", args, Cloud.Openrc(region, demo), TimeSpan.FromMinutes(3));
        Assert.True(result.ExitCode == 0, $"openstack {string.Join(' ', args)}\n{result}");
        return result;
    }

    /// <summary>The <c>openstack</c> CLI's JSON output (<c>-f json</c> is added).</summary>
    public async Task<JsonElement> OpenStackJsonAsync(string? region, bool demo, params string[] args) =>
        LabCloud.Json((await OpenStackAsync(region, demo, [.. args, "-f", "json"])).Stdout);

    /// <summary>Polls until <paramref name="wanted"/> or an error state, for at most three minutes; returns the last status.</summary>
    public static async Task<string> WaitForAsync(Func<Task<string>> status, string wanted)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var now = await status();
            if (now == wanted || now.StartsWith("error", StringComparison.OrdinalIgnoreCase) || clock.Elapsed > TimeSpan.FromMinutes(3))
            {
                return now;
            }

            await Task.Delay(2000);
        }
    }

    /// <summary>Removes the project's bindings, so that placement starts afresh whatever ran before.</summary>
    public async Task ForgetBindingsAsync(string adminToken, string projectId)
    {
        var bindings = await AdminAsync(HttpMethod.Get, "bindings?tenant_id=" + projectId, adminToken);
        foreach (var binding in bindings.GetProperty("pod_bindings").EnumerateArray())
        {
            await AdminAsync(HttpMethod.Delete, "bindings/" + binding.GetProperty("id").GetString(), adminToken);
        }
    }

    /// <summary>The <c>tricircle</c> CLI with the admin's (or the demo member's) OS_* variables, scoped to the central region.</summary>
    public Task<CliRunner.Result> TricircleAsync(bool demo, params string[] args) =>
        CliRunner.RunAsync(Executable, args, Cloud.Openrc(null, demo), TimeSpan.FromMinutes(2));

    public async Task DisposeAsync()
    {
        try
        {
            if (_endpointIds.Count > 0)
            {
                await Cloud.RemoveEndpointsAsync(Http, _endpointIds);
            }
        }
        finally
        {
            if (_process is not null)
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    await _process.WaitForExitAsync();
                }

                _process.Dispose();
            }

            Http.Dispose();
            if (Directory.Length > 0)
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
        }
    }

    private static string Executable => Path.Combine(AppContext.BaseDirectory, "tricircle");

    private string Configuration(IReadOnlyDictionary<string, int> ports)
    {
        var text = new StringBuilder();
        text.Append("[DEFAULT]\nbind_host = 127.0.0.1\n")
            .Append("state_path = ").Append(Directory).Append('\n')
            .Append("roles = ").Append(string.Join(", ", ports.Keys.Append("jobs"))).Append('\n'); // jobs: no port
        foreach (var (role, port) in ports)
        {
            text.Append(role).Append("_port = ").Append(port.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append("\n[database]\nconnection = ").Append(Cloud.Database ?? "").Append('\n')
            .Append("\n[keystone_authtoken]\nauth_url = ").Append(Cloud.AuthUrl).Append('\n')
            .Append("username = ").Append(Cloud.ServiceUser).Append('\n')
            .Append("password = ").Append(Cloud.ServicePassword).Append('\n')
            .Append("project_name = ").Append(Cloud.ServiceProject).Append('\n')
            .Append("\n[client]\nadmin_username = ").Append(Cloud.AdminUser).Append('\n')
            .Append("admin_password = ").Append(Cloud.AdminPassword).Append('\n')
            .Append("admin_tenant = ").Append(Cloud.AdminProject).Append('\n')
            .Append("top_region_name = ").Append(Cloud.CentralRegion).Append('\n')

            // The lab regions' ML2 settings (lab.sh): physnet1 carries VLANs and flat networks.
            // Central VNIs sit outside every region's own range (RegionN: N000-N999), which
            // real ML2 accepts for an admin's provider network, so no pod's own tenant network
            // can hold the VNI a stretched network needs there.
            .Append("\n[network]\ntype_drivers = local,flat,vlan,vxlan\ntenant_network_types = vxlan,local\n")
            .Append("network_vlan_ranges = physnet1:150:199\nvni_ranges = 9000:9999\nflat_networks = public,physnet1\n")

            // Shadow ports, so that the regions' real Neutrons are seen to take them (bound to a host they have no agent for).
            .Append("cross_pod_vxlan_mode = shadow\n")

            // External networks without hints live in the first region (the lab's own external
            // network there already holds flat `public`: a central one goes on physnet1).
            .Append("default_region_for_external_network = ").Append(Cloud.Regions[0]).Append('\n');
        return text.ToString();
    }

    private async Task WaitUntilAnsweringAsync(Uri root)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process!.HasExited)
            {
                Assert.Fail($"tricircle serve exited ({_process.ExitCode}):\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync(root);
                if ((int)response.StatusCode < 500)
                {
                    return; // answering (its version documents want a token, so 401 counts)
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"tricircle serve did not answer at {root}:\n{Output}");
            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    /// <summary>One of Tricircle's APIs: the role that serves it (its port is <c>[DEFAULT] &lt;role&gt;_port</c>), its catalog type and name, the path of its versioned root.</summary>
    public sealed record Gateway(string Role, string ServiceType, string ServiceName, string Path);
}

/// <summary>Every Lab walkthrough shares one Tricircle and runs one at a time (they share the lab's central region).</summary>
[CollectionDefinition(Name)]
public sealed class LabWalkthroughs : ICollectionFixture<LabTricircle>
{
    public const string Name = "Lab";
}
