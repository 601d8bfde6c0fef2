using System.Text.Json.Nodes;
using Tricircle.Emulator.Identity;
using Tricircle.Emulator.Regions.Compute;
using Tricircle.Emulator.Regions.Image;
using Tricircle.Emulator.Regions.Network;
using Tricircle.Emulator.Regions.Volume;

namespace Tricircle.Emulator.Regions;

/// <summary>
/// One emulated OpenStack region: Nova v2.1, Neutron v2.0, Cinder v3 and Glance v2, each on its
/// own loopback port, validating tokens against the emulated Keystone and registered in its
/// catalog under the region's name. State lives in memory; <see cref="Inspect"/> reads it.
/// </summary>
public sealed class RegionEmulator : IAsyncDisposable
{
    private readonly RegionContext _context;
    private readonly EmulatedService[] _services;
    private int _disposed;

    private RegionEmulator(RegionContext context, EmulatedService[] services, RegionFaults faults, RegionTraffic traffic)
    {
        _context = context;
        _services = services;
        Faults = faults;
        Traffic = traffic;
    }

    public string Name => _context.Options.Name;

    /// <summary>Nova's catalog URL (<c>…/v2.1</c>).</summary>
    public Uri ComputeUrl => new(Service(ServiceKind.Compute).Root, "v2.1");

    /// <summary>Neutron's catalog URL (the root; clients add <c>/v2.0</c>).</summary>
    public Uri NetworkUrl => Service(ServiceKind.Network).Root;

    /// <summary>Cinder's root; the catalog URL is <c>…/v3/$(project_id)s</c>.</summary>
    public Uri VolumeUrl => Service(ServiceKind.Volume).Root;

    /// <summary>Glance's catalog URL (the root; clients add <c>/v2</c>).</summary>
    public Uri ImageUrl => Service(ServiceKind.Image).Root;

    public RegionFaults Faults { get; }

    /// <summary>Requests seen by the region's four services together.</summary>
    public RegionTraffic Traffic { get; }

    public static async Task<RegionEmulator> StartAsync(KeystoneEmulator keystone, RegionEmulatorOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keystone);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Name);

        var context = new RegionContext(options, keystone);
        var traffic = new RegionTraffic();
        EmulatedService[] services = [];
        var faults = new RegionFaults(async down =>
        {
            foreach (var service in services)
            {
                if (down)
                {
                    await service.StopAsync();
                }
                else
                {
                    await service.StartAsync(service.Port, CancellationToken.None);
                }
            }
        });
        context.Faults = faults;
        services =
        [
            new EmulatedService(ServiceKind.Compute, context, faults, traffic, NovaApi.Map),
            new EmulatedService(ServiceKind.Network, context, faults, traffic, NeutronApi.Map),
            new EmulatedService(ServiceKind.Volume, context, faults, traffic, CinderApi.Map),
            new EmulatedService(ServiceKind.Image, context, faults, traffic, GlanceApi.Map),
        ];

        var region = new RegionEmulator(context, services, faults, traffic);
        try
        {
            await services[0].StartAsync(options.ComputePort, cancellationToken);
            await services[1].StartAsync(options.NetworkPort, cancellationToken);
            await services[2].StartAsync(options.VolumePort, cancellationToken);
            await services[3].StartAsync(options.ImagePort, cancellationToken);
        }
        catch
        {
            await region.DisposeAsync();
            throw;
        }

        context.ComputeUrl = region.ComputeUrl;
        context.NetworkUrl = region.NetworkUrl;
        context.VolumeUrl = region.VolumeUrl;
        context.ImageUrl = region.ImageUrl;
        region.Register(keystone);
        return region;
    }

    /// <summary>
    /// What exists in the region, as its API would list it to an admin of every project:
    /// <c>servers, flavors, keypairs, aggregates, server_groups, migrations, networks, subnets, ports, routers, floatingips,
    /// security_groups, security_group_rules, volumes, snapshots, backups, transfers, types, images</c>.
    /// </summary>
    public JsonArray Inspect(string collection) =>
        _context.Compute.Inspect(collection)
        ?? _context.Network.Inspect(collection)
        ?? _context.Volume.Inspect(collection)
        ?? _context.Image.Inspect(collection)
        ?? throw new ArgumentException($"No collection '{collection}' in an emulated region.", nameof(collection));

    // As devstack registers a region: Nova with the version in the URL, Cinder with the project.
    private void Register(KeystoneEmulator keystone)
    {
        keystone.AddRegion(Name);
        var entries = new (string Type, string ServiceName, string Url)[]
        {
            ("compute", "nova", ComputeUrl.ToString()),
            ("network", "neutron", NetworkUrl.ToString().TrimEnd('/')),
            ("volumev3", "cinderv3", new Uri(VolumeUrl, "v3").ToString() + "/$(project_id)s"),
            ("block-storage", "cinder", new Uri(VolumeUrl, "v3").ToString() + "/$(project_id)s"),
            ("image", "glance", ImageUrl.ToString().TrimEnd('/')),
        };
        foreach (var (type, serviceName, url) in entries)
        {
            var service = keystone.AddService(type, serviceName);
            foreach (var @interface in (string[])["public", "internal", "admin"])
            {
                keystone.AddEndpoint(service, Name, @interface, url);
            }
        }
    }

    /// <summary>Each service's root and routes (method, pattern).</summary>
    internal IEnumerable<(ServiceKind Kind, Uri Root, IReadOnlyList<(string Method, string Pattern)> Routes)> Routes =>
        _services.Select(s => (s.Kind, s.Root, s.Routes));

    private EmulatedService Service(ServiceKind kind) => _services.First(s => s.Kind == kind);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        foreach (var service in _services)
        {
            await service.StopAsync();
        }
    }
}
