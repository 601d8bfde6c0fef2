using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Tricircle.Compute;
using Tricircle.Data;
using Tricircle.Emulator.Identity;
using Tricircle.Emulator.Regions;
using Tricircle.Hosting;
using Tricircle.Pods;
using Tricircle.Telemetry;

namespace Tricircle.Sandbox;

/// <summary>
/// The whole system on one machine: an emulated Keystone, Tricircle on SQLite (or the
/// PostgreSQL database given), the central pod and N bottom pods registered, and openrc files
/// for the real <c>openstack</c> CLI and the <c>tricircle</c> admin CLI.
/// </summary>
internal sealed class SandboxRunner(SandboxOptions options, TextWriter output)
{
    public const string ReadyLine = "Sandbox ready.";

    private static readonly (string Id, string Name, int Ram, int Vcpus, int Disk)[] SeedFlavors =
    [
        ("1", "m1.tiny", 512, 1, 1), ("2", "m1.small", 2048, 1, 20), ("3", "m1.medium", 4096, 2, 40), ("4", "m1.large", 8192, 4, 80), ("5", "m1.xlarge", 16384, 8, 160),
    ];

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        await using var sandbox = await StartAsync(options, cancellationToken);
        var dataDirectory = sandbox.DataDirectory;
        await output.WriteLineAsync($"""
            Tricircle sandbox

              Keystone (emulated)   {sandbox.Keystone.AuthUrl}
              Admin API             {sandbox.AdminUrl}   (service type "tricircle", region {SandboxOptions.CentralRegion})
              Nova gateway          {sandbox.ComputeUrl}   (service type "compute", region {SandboxOptions.CentralRegion})
              Cinder gateway        {sandbox.VolumeUrl}   (service types "volumev3" and "block-storage", region {SandboxOptions.CentralRegion})
              Glance gateway        {sandbox.ImageUrl}   (service type "image", region {SandboxOptions.CentralRegion}; images in {SandboxOptions.RegionName(1)}'s Glance)
              Central Neutron       {sandbox.NetworkUrl}   (service type "network", region {SandboxOptions.CentralRegion})
              Web console           {sandbox.ConsoleUrl}   (log in: user admin, password {SandboxOptions.AdminPassword}, project admin; or demo / {SandboxOptions.DemoPassword} / demo)
              Metrics (Prometheus)  {DescribeMetrics(sandbox.Services.GetRequiredService<IOptions<MetricsOptions>>().Value, sandbox.AdminUrl)}
              Database              {sandbox.DatabaseDescription}
              Pods                  {string.Join(", ", sandbox.PodNames)}
              Regions (emulated)    {string.Join(Environment.NewLine + "                        ", sandbox.Regions.Values.Select(r => $"{r.Name}: nova {r.ComputeUrl}  neutron {r.NetworkUrl}  cinder {r.VolumeUrl}  glance {r.ImageUrl}"))}
              Credentials           {Path.Combine(dataDirectory, "openrc")} (admin), {Path.Combine(dataDirectory, "openrc.demo")} (demo),
                                    {Path.Combine(dataDirectory, "openrc.alt_demo")} (alt_demo: a second member project)

            Try, in another shell:
              source {Path.Combine(dataDirectory, "openrc.demo")}
              openstack flavor list; openstack image list
              openstack network create net1; openstack subnet create --network net1 --subnet-range 10.0.0.0/24 sub1
              openstack server create --flavor m1.tiny --image cirros --network net1 --availability-zone az1 --wait vm1
              openstack server list
              openstack volume create --size 1 --availability-zone az1 vol1
              openstack volume list
              source {Path.Combine(dataDirectory, "openrc")}
              tricircle pod list
              tricircle sandbox fault RegionTwo --down      (and --up, --latency MS, --error-rate P)

            Stop with Ctrl-C.
            {ReadyLine}
            """);
        await output.FlushAsync(cancellationToken);

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            await output.WriteLineAsync("Stopping the sandbox.");
        }

        return 0;
    }

    /// <summary>
    /// Where the scrape endpoint is (<c>[metrics] port</c> when set, else the admin port, which
    /// serves it either way) and who may read it.
    /// </summary>
    public static string DescribeMetrics(MetricsOptions metrics, Uri adminUrl)
    {
        if (!metrics.Enabled)
        {
            return "off ([metrics] enabled = false)";
        }

        var url = new UriBuilder(adminUrl) { Port = metrics.Port == 0 ? adminUrl.Port : metrics.Port, Path = metrics.Path }.Uri;
        var networks = metrics.Networks();
        return networks.Count == 0
            ? $"{url}   (an admin token)"
            : $"{url}   (no token from {string.Join(", ", networks)}; an admin token from elsewhere)";
    }

    /// <summary>Starts the whole sandbox (in this process: tests use it too) and returns it running.</summary>
    public static async Task<RunningSandbox> StartAsync(SandboxOptions options, CancellationToken cancellationToken, Action<IServiceCollection>? configureServices = null)
    {
        var sandbox = new RunningSandbox(PrepareDirectory(options));
        try
        {
            var servicePassword = await StartRegionsAsync(sandbox, options, cancellationToken);
            var keystone = sandbox.Keystone;
            await StartServiceAsync(
                sandbox,
                options,
                keystone.AuthUrl,
                servicePassword,
                (type, name, description, url, _) =>
                {
                    Register(keystone, name, type, description, url);
                    return Task.CompletedTask;
                },
                cancellationToken,
                configureServices);
            return sandbox;
        }
        catch
        {
            await sandbox.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The pods' half of the sandbox: the emulated Keystone (seeded with the sandbox's projects,
    /// users and regions), the emulated regions and their fault control. Returns the password of
    /// Tricircle's service user. A benchmark runs this half in a process of its own, so that the
    /// emulators' CPU is not counted as the gateway's.
    /// </summary>
    public static async Task<string> StartRegionsAsync(RunningSandbox sandbox, SandboxOptions options, CancellationToken cancellationToken)
    {
        sandbox.Keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = options.KeystonePort, AdminPassword = SandboxOptions.AdminPassword }, cancellationToken);
        var keystone = sandbox.Keystone;
        var servicePassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        Seed(keystone, servicePassword, options.Pods);

        // Every pod is an emulated region with its own Nova, Neutron, Cinder and Glance ports.
        var starts = Enumerable.Range(1, options.Pods).Select(i =>
        {
            var regionOptions = new RegionEmulatorOptions { Name = SandboxOptions.RegionName(i), AvailabilityZone = SandboxOptions.PodAzName, ComputeHost = options.ComputeHost ?? "" };
            if (options.ComputeHostCount is { } hosts)
            {
                regionOptions.ComputeHostCount = hosts;
            }

            if (options.BuildDelay is { } delay)
            {
                regionOptions.ServerBuildDelay = delay;
                regionOptions.VolumeCreateDelay = delay;
            }

            return RegionEmulator.StartAsync(keystone, regionOptions, cancellationToken);
        }).ToList();
        foreach (var region in await Task.WhenAll(starts))
        {
            sandbox.Regions[region.Name] = region;
        }

        sandbox.Control = await SandboxControl.StartAsync(sandbox.Regions, cancellationToken);
        return servicePassword;
    }

    /// <summary>The data directory, made if missing, as a full path.</summary>
    public static string PrepareDirectory(SandboxOptions options)
    {
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataDirectory);
        return dataDirectory;
    }

    /// <summary>
    /// Tricircle's half: the service against the Keystone at <paramref name="authUrl"/> (whose
    /// regions are the sandbox's pods), its endpoints registered through <paramref name="register"/>
    /// (type, name, description, URL), the pods registered, the openrc files written.
    /// </summary>
    public static async Task StartServiceAsync(
        RunningSandbox sandbox,
        SandboxOptions options,
        Uri authUrl,
        string servicePassword,
        Func<string, string, string, string, CancellationToken, Task> register,
        CancellationToken cancellationToken,
        Action<IServiceCollection>? configureServices = null)
    {
        var dataDirectory = sandbox.DataDirectory;
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        sandbox.Settings = new Dictionary<string, string?>
        {
            ["DEFAULT:bind_host"] = "127.0.0.1",
            ["DEFAULT:admin_port"] = options.AdminPort.ToString(invariant),
            ["DEFAULT:compute_port"] = options.ComputePort.ToString(invariant),
            ["DEFAULT:volume_port"] = options.VolumePort.ToString(invariant),
            ["DEFAULT:image_port"] = options.ImagePort.ToString(invariant),
            ["DEFAULT:network_port"] = options.NetworkPort.ToString(invariant),
            ["DEFAULT:console_port"] = options.ConsolePort.ToString(invariant),
            ["DEFAULT:state_path"] = dataDirectory,
            ["database:connection"] = options.Database ?? "",
            ["keystone_authtoken:auth_url"] = authUrl.ToString(),
            ["keystone_authtoken:username"] = "tricircle",
            ["keystone_authtoken:password"] = servicePassword,
            ["keystone_authtoken:project_name"] = "service",
            ["client:admin_username"] = "admin",
            ["client:admin_password"] = SandboxOptions.AdminPassword,
            ["client:admin_tenant"] = "admin",

            // Every emulated region has its own Glance: RegionOne's holds the central images
            // and the others get copies at boot. (CentralRegion's image endpoint is the gateway.)
            ["image:glance_region"] = SandboxOptions.RegionName(1),

            // The seeds' segments, the same as the emulated regions' Neutrons accept.
            ["network:network_vlan_ranges"] = "bridge:2001:3000,extern:3001:4000",
            ["network:vni_ranges"] = "1001:2000",
            ["network:flat_networks"] = "bridge,extern",

            // External networks live in one pod, made there at once; without hints, this one.
            ["network:default_region_for_external_network"] = SandboxOptions.RegionName(1),
        };
        foreach (var (key, value) in options.Settings)
        {
            sandbox.Settings[key] = value;
        }

        var configuration = TricircleConfiguration.Load([], sandbox.Settings);

        sandbox.App = ServiceHost.Build(configuration, configureServices);
        await sandbox.App.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);

        // Nova's classic flavors, so that a first boot works (what an operator changed stays).
        await sandbox.App.Services.GetRequiredService<FlavorStore>().SeedAsync(
            SeedFlavors.Select(f => new Flavor { FlavorId = f.Id, Name = f.Name, Ram = f.Ram, Vcpus = f.Vcpus, Disk = f.Disk }),
            cancellationToken);
        await sandbox.App.StartAsync(cancellationToken);
        var listeners = sandbox.App.Services.GetRequiredService<ServiceListeners>();
        sandbox.AdminUrl = new Uri(listeners.Url(ServiceRole.Admin), "v1.0");
        sandbox.ComputeUrl = new Uri(listeners.Url(ServiceRole.Compute), "v2.1");
        sandbox.VolumeUrl = new Uri(listeners.Url(ServiceRole.Volume), "v3");
        sandbox.ImageUrl = listeners.Url(ServiceRole.Image);
        sandbox.NetworkUrl = listeners.Url(ServiceRole.Network);
        sandbox.ConsoleUrl = listeners.TryUrl(ServiceRole.Console); // a test's sandbox may leave the console role out

        // Tricircle's own endpoints live in the central region, as in the multi-pod guides.
        await register("tricircle", "tricircle", "Tricircle Admin API", sandbox.AdminUrl.ToString(), cancellationToken);
        await register("compute", "nova", "Tricircle Nova gateway", sandbox.ComputeUrl.ToString(), cancellationToken);
        await register("image", "glance", "Tricircle Glance gateway", sandbox.ImageUrl.ToString(), cancellationToken);
        await register("network", "neutron", "Tricircle central Neutron", sandbox.NetworkUrl.ToString(), cancellationToken);

        // As devstack registers Cinder: the project in the URL, filled in per token by Keystone.
        var volumeTemplate = sandbox.VolumeUrl + "/$(project_id)s";
        await register("volumev3", "cinderv3", "Tricircle Cinder gateway", volumeTemplate, cancellationToken);
        await register("block-storage", "cinder", "Tricircle Cinder gateway", volumeTemplate, cancellationToken);

        sandbox.PodNames = await RegisterPodsAsync(sandbox.App.Services.GetRequiredService<PodStore>(), options.Pods, cancellationToken);
        sandbox.DatabaseDescription = sandbox.App.Services.GetRequiredService<Database>().Connection.Describe();
        WriteOpenrc(Path.Combine(dataDirectory, "openrc"), authUrl, "admin", SandboxOptions.AdminPassword, "admin");
        WriteOpenrc(Path.Combine(dataDirectory, "openrc.demo"), authUrl, "demo", SandboxOptions.DemoPassword, "demo");
        WriteOpenrc(Path.Combine(dataDirectory, "openrc.alt_demo"), authUrl, "alt_demo", SandboxOptions.AltDemoPassword, "alt_demo");
        await WriteConfigAsync(Path.Combine(dataDirectory, "tricircle.conf"), sandbox.Settings, cancellationToken);
        if (sandbox.Control is { } control)
        {
            await SandboxState.WriteAsync(dataDirectory, new SandboxState(control.Url, authUrl, sandbox.AdminUrl, [.. sandbox.Regions.Keys]), cancellationToken);
        }
    }

    private static void Register(KeystoneEmulator keystone, string name, string type, string description, string url)
    {
        var service = keystone.AddService(type, name, description);
        foreach (var @interface in (string[])["public", "internal", "admin"])
        {
            keystone.AddEndpoint(service, SandboxOptions.CentralRegion, @interface, url);
        }
    }

    private static void Seed(KeystoneEmulator keystone, string servicePassword, int pods)
    {
        var service = keystone.AddUser("tricircle", servicePassword);
        keystone.Grant(service, keystone.FindProjectId("service")!, "admin");
        keystone.AddRole("member");

        // As devstack makes them: two member projects, each with its own user.
        foreach (var (name, password) in (ReadOnlySpan<(string, string)>)[("demo", SandboxOptions.DemoPassword), ("alt_demo", SandboxOptions.AltDemoPassword)])
        {
            var project = keystone.AddProject(name);
            var user = keystone.AddUser(name, password, defaultProjectId: project);
            keystone.Grant(user, project, "member");
        }

        for (var i = 1; i <= pods; i++)
        {
            keystone.AddRegion(SandboxOptions.RegionName(i));
        }
    }

    /// <summary>Registers the central pod and the bottom pods, keeping those a previous run left.</summary>
    private static async Task<List<string>> RegisterPodsAsync(PodStore store, int pods, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        foreach (var (region, az) in Enumerable.Range(1, pods).Select(i => (SandboxOptions.RegionName(i), SandboxOptions.AzName(i))).Prepend((SandboxOptions.CentralRegion, "")))
        {
            if (await store.FindByRegionAsync(region, cancellationToken) is null)
            {
                await store.CreateAsync(region, az, az.Length == 0 ? "" : SandboxOptions.PodAzName, "sandbox", cancellationToken);
            }

            names.Add(az.Length == 0 ? $"{region} (central)" : $"{region} ({az})");
        }

        return names;
    }

    /// <summary>The service's configuration as an INI file, so that <c>tricircle status --config-file</c> works against the sandbox.</summary>
    private static Task WriteConfigAsync(string path, Dictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var text = new System.Text.StringBuilder("# Written by `tricircle sandbox`: the configuration its Tricircle runs with.\n");
        foreach (var section in settings.GroupBy(s => s.Key[..s.Key.IndexOf(':', StringComparison.Ordinal)]))
        {
            text.Append('\n').Append('[').Append(section.Key).Append("]\n");
            foreach (var (key, value) in section)
            {
                text.Append(key[(section.Key.Length + 1)..]).Append(" = ").Append(value).Append('\n');
            }
        }

        return File.WriteAllTextAsync(path, text.ToString(), cancellationToken);
    }

    private static void WriteOpenrc(string path, Uri authUrl, string user, string password, string project)
    {
        File.WriteAllText(path, $"""
            # Written by `tricircle sandbox`: credentials for the sandbox's emulated Keystone.
            export OS_AUTH_URL={authUrl}
            export OS_IDENTITY_API_VERSION=3
            export OS_USERNAME={user}
            export OS_PASSWORD={password}
            export OS_PROJECT_NAME={project}
            export OS_USER_DOMAIN_NAME=Default
            export OS_PROJECT_DOMAIN_NAME=Default
            export OS_REGION_NAME={SandboxOptions.CentralRegion}
            export OS_INTERFACE=public

            """);
    }
}

/// <summary>A started sandbox: everything it runs, stopped together.</summary>
internal sealed class RunningSandbox(string dataDirectory) : IAsyncDisposable
{
    public string DataDirectory { get; } = dataDirectory;

    /// <summary>The emulated Keystone (null when the pods run in another process).</summary>
    public KeystoneEmulator Keystone { get; set; } = null!;

    public Dictionary<string, RegionEmulator> Regions { get; } = new(StringComparer.Ordinal);

    public SandboxControl? Control { get; set; }

    public WebApplication? App { get; set; }

    public Dictionary<string, string?> Settings { get; set; } = [];

    public Uri AdminUrl { get; set; } = null!;

    public Uri ComputeUrl { get; set; } = null!;

    /// <summary>The Cinder gateway's v3 root (the catalog adds <c>/{project_id}</c>).</summary>
    public Uri VolumeUrl { get; set; } = null!;
    /// <summary>The Glance gateway's root (unversioned, as Glance registers itself).</summary>
    public Uri ImageUrl { get; set; } = null!;

    public Uri NetworkUrl { get; set; } = null!;

    /// <summary>The web console (log in as admin with the sandbox's admin password); null when its role is left out.</summary>
    public Uri? ConsoleUrl { get; set; }

    public IReadOnlyList<string> PodNames { get; set; } = [];

    public string DatabaseDescription { get; set; } = "";

    public IServiceProvider Services => App?.Services ?? throw new InvalidOperationException("The sandbox has not started.");

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.StopAsync(CancellationToken.None);
            await App.DisposeAsync();
        }

        File.Delete(Path.Combine(DataDirectory, SandboxControl.StateFile));
        if (Control is not null)
        {
            await Control.DisposeAsync();
        }

        await Task.WhenAll(Regions.Values.Select(r => r.DisposeAsync().AsTask()));
        if (Keystone is not null)
        {
            await Keystone.DisposeAsync();
        }
    }
}
