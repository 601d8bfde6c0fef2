using System.Security.Cryptography;
using Tricircle.Data;
using Tricircle.Emulator.Identity;
using Tricircle.Emulator.Regions;
using Tricircle.Hosting;
using Tricircle.Pods;

namespace Tricircle.Sandbox;

/// <summary>
/// The whole system on one machine: an emulated Keystone, Tricircle on SQLite (or the
/// PostgreSQL database given), the central pod and N bottom pods registered, and openrc files
/// for the real <c>openstack</c> CLI and the <c>tricircle</c> admin CLI.
/// </summary>
internal sealed class SandboxRunner(SandboxOptions options, TextWriter output)
{
    public const string ReadyLine = "Sandbox ready.";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var dataDirectory = Path.GetFullPath(options.DataDirectory);
        Directory.CreateDirectory(dataDirectory);

        await using var keystone = await KeystoneEmulator.StartAsync(new KeystoneEmulatorOptions { Port = options.KeystonePort, AdminPassword = SandboxOptions.AdminPassword }, cancellationToken);
        var servicePassword = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        Seed(keystone, servicePassword);

        // Every pod is an emulated region with its own Nova, Neutron, Cinder and Glance ports.
        var regions = new Dictionary<string, RegionEmulator>(StringComparer.Ordinal);
        await using var stopRegions = new AsyncDisposables(regions.Values);
        for (var i = 1; i <= options.Pods; i++)
        {
            var name = SandboxOptions.RegionName(i);
            regions[name] = await RegionEmulator.StartAsync(keystone, new RegionEmulatorOptions { Name = name, AvailabilityZone = SandboxOptions.PodAzName }, cancellationToken);
        }

        await using var control = await SandboxControl.StartAsync(regions, cancellationToken);

        var settings = new Dictionary<string, string?>
        {
            ["DEFAULT:bind_host"] = "127.0.0.1",
            ["DEFAULT:admin_port"] = options.AdminPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["DEFAULT:state_path"] = dataDirectory,
            ["database:connection"] = options.Database ?? "",
            ["keystone_authtoken:auth_url"] = keystone.AuthUrl.ToString(),
            ["keystone_authtoken:username"] = "tricircle",
            ["keystone_authtoken:password"] = servicePassword,
            ["keystone_authtoken:project_name"] = "service",
            ["client:admin_username"] = "admin",
            ["client:admin_password"] = SandboxOptions.AdminPassword,
            ["client:admin_tenant"] = "admin",
        };
        var configuration = TricircleConfiguration.Load([], settings);

        await using var app = ServiceHost.Build(configuration);
        await app.Services.GetRequiredService<SchemaMigrator>().MigrateAsync(cancellationToken);
        await app.StartAsync(cancellationToken);
        var adminUrl = app.Services.GetRequiredService<ServiceListeners>().Url(ServiceRole.Admin);

        // Tricircle's own endpoints live in the central region, as in the multi-pod guides.
        var service = keystone.AddService("tricircle", "tricircle", "Tricircle Admin API");
        foreach (var @interface in (string[])["public", "internal", "admin"])
        {
            keystone.AddEndpoint(service, SandboxOptions.CentralRegion, @interface, new Uri(adminUrl, "v1.0").ToString());
        }

        var pods = await RegisterPodsAsync(app.Services.GetRequiredService<PodStore>(), cancellationToken);
        var database = app.Services.GetRequiredService<Database>();
        WriteOpenrc(Path.Combine(dataDirectory, "openrc"), keystone.AuthUrl, "admin", SandboxOptions.AdminPassword, "admin");
        WriteOpenrc(Path.Combine(dataDirectory, "openrc.demo"), keystone.AuthUrl, "demo", SandboxOptions.DemoPassword, "demo");
        await WriteConfigAsync(Path.Combine(dataDirectory, "tricircle.conf"), settings, cancellationToken);
        await SandboxState.WriteAsync(dataDirectory, new SandboxState(control.Url, keystone.AuthUrl, new Uri(adminUrl, "v1.0"), [.. regions.Keys]), cancellationToken);

        await output.WriteLineAsync($"""
            Tricircle sandbox

              Keystone (emulated)   {keystone.AuthUrl}
              Admin API             {new Uri(adminUrl, "v1.0")}   (service type "tricircle", region {SandboxOptions.CentralRegion})
              Database              {database.Connection.Describe()}
              Pods                  {string.Join(", ", pods)}
              Regions (emulated)    {string.Join(Environment.NewLine + "                        ", regions.Values.Select(r => $"{r.Name}: nova {r.ComputeUrl}  neutron {r.NetworkUrl}  cinder {r.VolumeUrl}  glance {r.ImageUrl}"))}
              Credentials           {Path.Combine(dataDirectory, "openrc")} (admin), {Path.Combine(dataDirectory, "openrc.demo")} (demo)

            Try, in another shell:
              source {Path.Combine(dataDirectory, "openrc")}
              tricircle pod list
              openstack region list
              openstack endpoint list
              openstack --os-region-name RegionOne network create net1
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

        await app.StopAsync(CancellationToken.None);
        File.Delete(Path.Combine(dataDirectory, SandboxControl.StateFile));
        return 0;
    }

    private void Seed(KeystoneEmulator keystone, string servicePassword)
    {
        var service = keystone.AddUser("tricircle", servicePassword);
        keystone.Grant(service, keystone.FindProjectId("service")!, "admin");
        var demoProject = keystone.AddProject("demo");
        var demo = keystone.AddUser("demo", SandboxOptions.DemoPassword, defaultProjectId: demoProject);
        keystone.AddRole("member");
        keystone.Grant(demo, demoProject, "member");
        for (var i = 1; i <= options.Pods; i++)
        {
            keystone.AddRegion(SandboxOptions.RegionName(i));
        }
    }

    /// <summary>Registers the central pod and the bottom pods, keeping those a previous run left.</summary>
    private async Task<List<string>> RegisterPodsAsync(PodStore store, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        foreach (var (region, az) in Enumerable.Range(1, options.Pods).Select(i => (SandboxOptions.RegionName(i), SandboxOptions.AzName(i))).Prepend((SandboxOptions.CentralRegion, "")))
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

/// <summary>Disposes a set of regions in parallel when the sandbox stops.</summary>
internal sealed class AsyncDisposables(IEnumerable<IAsyncDisposable> items) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await Task.WhenAll(items.ToList().Select(i => i.DisposeAsync().AsTask()));
}
