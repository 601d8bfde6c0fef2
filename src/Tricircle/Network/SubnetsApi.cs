using System.Numerics;
using System.Text.Json;
using Tricircle.Errors;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary><c>/v2.0/subnets</c>: IPv4 and IPv6 subnets with Neutron's CIDR, gateway and pool checks.</summary>
internal static class SubnetsApi
{
    private static readonly BodyField Text = new("", JsonKind.String | JsonKind.Null) { MaxLength = 255, Put = false };

    // Neutron's subnet attribute map.
    private static readonly BodySchema Schema = new(
        "subnet",
        [
            NeutronBody.Name,
            NeutronBody.Description,
            new("network_id", JsonKind.String) { Required = true, MaxLength = 255, Put = false },
            NeutronBody.Int with { Name = "ip_version", Put = false },
            Text with { Name = "cidr" },
            new("gateway_ip", JsonKind.String | JsonKind.Null) { MaxLength = 64 },
            new("allocation_pools", JsonKind.Array) { Items = new("", JsonKind.Object) { Properties = new(null, new("start", JsonKind.String), new("end", JsonKind.String)) } },
            NeutronBody.Bool with { Name = "enable_dhcp" },
            NeutronBody.Strings with { Name = "dns_nameservers" },
            new("host_routes", JsonKind.Array) { Items = new("", JsonKind.Object) { Properties = new(null, new("destination", JsonKind.String), new("nexthop", JsonKind.String)) } },
            Text with { Name = "ipv6_ra_mode" },
            Text with { Name = "ipv6_address_mode" },
            Text with { Name = "subnetpool_id" },
            NeutronBody.Int with { Name = "prefixlen", Minimum = 0, Put = false },
            NeutronBody.Bool with { Name = "use_default_subnetpool", Put = false },
            new("service_types", JsonKind.Array) { Put = false },
            Text with { Name = "segment_id" },
            .. NeutronBody.Owner,
            NeutronBody.Strings with { Name = "tags", Put = false },
        ]);

    private static readonly string[] Ipv6Modes = ["slaac", "dhcpv6-stateful", "dhcpv6-stateless"];

    public static void MapSubnetsApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/subnets", ListAsync);
        v20.MapPost("/subnets", CreateAsync);
        v20.MapGet("/subnets/{id}", ShowAsync);
        v20.MapPut("/subnets/{id}", UpdateAsync);
        v20.MapDelete("/subnets/{id}", DeleteAsync);
        v20.MapTags("subnets", SubnetStore.CountRevisionAsync, async (context, id, change) =>
        {
            var caller = context.GetRequestContext();
            var subnet = await context.RequestServices.GetRequiredService<SubnetStore>().GetAsync(id, caller, context.RequestAborted);
            if (change)
            {
                Owner(subnet, caller, "update");
            }
        });
    }

    private static void Owner(SubnetRow subnet, RequestContext caller, string action)
    {
        if (!caller.IsAdmin && subnet.ProjectId != caller.ProjectId)
        {
            throw NeutronErrors.PolicyDenied($"{action}_subnet");
        }
    }

    private static async Task ListAsync(HttpContext context, SubnetStore store)
    {
        var caller = context.GetRequestContext();
        var query = NeutronQuery.Parse(context.Request.Query, SubnetStore.Schema);
        var (rows, tags) = await store.ListAsync(query, caller, context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, query.Respond(context, "subnets", [.. rows.Select(r => r.ToView(tags[r.Id]))]));
    }

    private static async Task ShowAsync(string id, HttpContext context, SubnetStore store)
    {
        var subnet = await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        await NeutronBody.ShowAsync(context, "subnet", await store.ViewAsync(subnet, context.RequestAborted));
    }

    private static Task CreateAsync(HttpContext context, SubnetStore store, NetworkStore networks, SubnetPoolStore pools, NetworkPropagation propagation) =>
        NeutronBulk.CreateAsync(context, Schema, "subnets", async body =>
        {
            var subnet = await CreateOneAsync(body, context.GetRequestContext(), networks, pools, propagation, context.RequestAborted);
            return new(await store.ViewAsync(subnet, context.RequestAborted), ct => propagation.DeleteSubnetAsync(subnet, ct));
        });

    private static async Task<SubnetRow> CreateOneAsync(Body body, RequestContext caller, NetworkStore networks, SubnetPoolStore pools, NetworkPropagation propagation, CancellationToken cancellationToken)
    {
        var networkId = body.String("network_id")!;
        await networks.GetOwnedAsync(networkId, caller, "create_subnet_on", cancellationToken);
        var cidrText = body.String("cidr");
        var prefixlen = body.Int("prefixlen");
        if (cidrText is not null && prefixlen is not null)
        {
            throw BadSubnets("cidr and prefixlen must not be supplied together");
        }

        var requested = cidrText is null ? null : NeutronAddresses.SubnetCidr(cidrText);
        var pool = await PoolOfAsync(body, caller, requested, pools, cancellationToken);
        if (pool is null && requested is null)
        {
            throw BadSubnets(prefixlen is null ? "A cidr must be specified in the absence of a subnet pool" : "a subnetpool must be specified in the absence of a cidr");
        }

        if (pool is not null && requested is null && body.Has("allocation_pools") && !body.IsNull("allocation_pools"))
        {
            throw BadSubnets("allocation_pools allowed only for specific subnet requests.");
        }

        if (pool is not null && (body.Int("ip_version") ?? requested?.Version) is { } asked && asked != pool.IpVersion)
        {
            throw BadSubnets($"Cannot allocate IPv{asked} subnet from IPv{pool.IpVersion} subnet pool");
        }

        var version = body.Int("ip_version") ?? requested?.Version ?? pool!.IpVersion;
        if (version is not (4 or 6))
        {
            throw NeutronErrors.InvalidInput($"{version} is not in [4, 6]");
        }

        if (requested is not null && version != requested.Version)
        {
            throw NeutronErrors.InvalidInput($"Cidr {cidrText} does not match ip_version {version}");
        }

        var subnet = new SubnetRow
        {
            ProjectId = NeutronBody.OwnerOf(body, caller, "subnet"),
            NetworkId = networkId,
            Name = body.String("name") ?? "",
            Description = body.String("description") ?? "",
            IpVersion = version,
            SubnetpoolId = pool?.Id,
            EnableDhcp = body.Bool("enable_dhcp") ?? true,
            Ipv6RaMode = Ipv6Mode(body, "ipv6_ra_mode", version),
            Ipv6AddressMode = Ipv6Mode(body, "ipv6_address_mode", version),
        };
        if (subnet.Ipv6RaMode is not null && subnet.Ipv6AddressMode is not null && subnet.Ipv6RaMode != subnet.Ipv6AddressMode)
        {
            throw NeutronErrors.InvalidInput($"ipv6_ra_mode set to '{subnet.Ipv6RaMode}' with ipv6_address_mode set to '{subnet.Ipv6AddressMode}' is not valid. If both attributes are set, they must be the same value");
        }

        // What follows from the CIDR: absent gateway the first host, null none; pools as asked or all but the gateway.
        void Place(IpCidr cidr)
        {
            BigInteger? gateway = body.Has("gateway_ip") ? body.IsNull("gateway_ip") ? null : Gateway(cidr, body.String("gateway_ip")!) : cidr.Network + 1;
            subnet.Cidr = cidr.ToString();
            subnet.GatewayIp = gateway is { } gw ? Ipam.Format(gw, version) : null;
            subnet.Pools = Pools(body) is { } asked ? Ipam.CheckPools(cidr, asked, gateway) : Ipam.DefaultPools(cidr, gateway);
        }

        subnet.DnsNameservers = JsonSerializer.Serialize(Dns(body) ?? []);
        subnet.HostRoutes = JsonSerializer.Serialize(Routes(body, version) ?? []);
        if (pool is null)
        {
            Place(requested!);
            return await propagation.CreateSubnetAsync(subnet, body.Strings("tags") ?? [], null, cancellationToken);
        }

        // The CIDR comes from the pool in the subnet's own transaction (the pool's row locked).
        return await propagation.CreateSubnetAsync(
            subnet,
            body.Strings("tags") ?? [],
            async (connection, tx, ct) => Place(await SubnetPoolStore.AllocateAsync(connection, tx, pool.Id, subnet.ProjectId, prefixlen, requested, ct)),
            cancellationToken);
    }

    /// <summary>
    /// Neutron's <c>_get_subnetpool_id</c>: the pool named (one the caller may see), or with
    /// <c>use_default_subnetpool</c> the default pool of the subnet's IP version; null for none.
    /// </summary>
    private static async Task<SubnetPoolRow?> PoolOfAsync(Body body, RequestContext caller, IpCidr? requested, SubnetPoolStore pools, CancellationToken cancellationToken)
    {
        var poolId = body.String("subnetpool_id");
        var useDefault = body.Bool("use_default_subnetpool") ?? false;
        if (useDefault && poolId is not null)
        {
            throw BadSubnets("subnetpool_id and use_default_subnetpool cannot both be specified");
        }

        if (poolId is not null)
        {
            return await pools.GetAsync(poolId, caller, cancellationToken);
        }

        if (!useDefault)
        {
            return null;
        }

        var version = requested?.Version ?? body.Int("ip_version") ?? throw BadSubnets("ip_version must be specified in the absence of cidr and subnetpool_id");
        return await pools.DefaultAsync(version, caller, cancellationToken) ?? throw BadSubnets($"No default subnetpool found for IPv{version}");
    }

    // Neutron's exc.BadRequest(resource='subnets', msg=...).
    private static TricircleException BadSubnets(string message) => TricircleException.Invalid("Bad subnets request: " + message, "BadRequest");

    private static async Task UpdateAsync(string id, HttpContext context, SubnetStore store, NetworkPropagation propagation)
    {
        var caller = context.GetRequestContext();
        var subnet = await store.GetAsync(id, caller, context.RequestAborted);
        var dhcpBefore = subnet.EnableDhcp;
        Owner(subnet, caller, "update");
        var body = await Schema.ReadAsync(context, BodyAction.Update);
        var cidr = Ipam.ParseCidr(subnet.Cidr);
        subnet.Name = body.String("name") ?? subnet.Name;
        subnet.Description = body.String("description") ?? subnet.Description;
        subnet.EnableDhcp = body.Bool("enable_dhcp") ?? subnet.EnableDhcp;
        if (body.Has("gateway_ip"))
        {
            subnet.GatewayIp = body.IsNull("gateway_ip") ? null : Ipam.Format(Gateway(cidr, body.String("gateway_ip")!), cidr.Version);
        }

        BigInteger? gateway = subnet.GatewayIp is null ? null : Ipam.ParseAddress(subnet.GatewayIp, "gateway_ip");
        var pools = Pools(body);
        subnet.Pools = Ipam.CheckPools(cidr, pools ?? subnet.Pools, gateway);
        if (Dns(body) is { } dns)
        {
            subnet.DnsNameservers = JsonSerializer.Serialize(dns);
        }

        if (Routes(body, cidr.Version) is { } routes)
        {
            subnet.HostRoutes = JsonSerializer.Serialize(routes);
        }

        subnet = await propagation.UpdateSubnetAsync(subnet, pools is not null, subnet.EnableDhcp && !dhcpBefore, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "subnet", await store.ViewAsync(subnet, context.RequestAborted));
    }

    private static async Task DeleteAsync(string id, HttpContext context, SubnetStore store, NetworkPropagation propagation)
    {
        var caller = context.GetRequestContext();
        var subnet = await store.GetAsync(id, caller, context.RequestAborted);
        Owner(subnet, caller, "delete");
        await propagation.DeleteSubnetAsync(subnet, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private static BigInteger Gateway(IpCidr cidr, string text)
    {
        var gateway = Ipam.ParseAddress(text, "gateway_ip", cidr.Version);
        if (cidr.Version == 4 && cidr.Prefix < 31 && (gateway == cidr.Network || gateway == cidr.Last))
        {
            throw NeutronErrors.InvalidInput($"Gateway is not valid on subnet: {text} is the network or broadcast address of {cidr}");
        }

        return gateway;
    }

    private static string? Ipv6Mode(Body body, string name, int version)
    {
        var mode = body.String(name);
        if (mode is null)
        {
            return null;
        }

        if (version != 6)
        {
            throw NeutronErrors.InvalidInput($"{name} is not valid when ip_version is 4");
        }

        return Ipv6Modes.Contains(mode) ? mode : throw NeutronErrors.InvalidInput($"'{mode}' is not in ['dhcpv6-stateful', 'dhcpv6-stateless', 'slaac']");
    }

    private static List<AllocationPool>? Pools(Body body) =>
        body.Array("allocation_pools")?.Select(p => Body.Of(p!.AsObject()) is var o && o.String("start") is { } start && o.String("end") is { } end
            ? new AllocationPool(start, end)
            : throw NeutronErrors.InvalidInput($"'{p?.ToJsonString()}' is not a valid allocation pool: it needs start and end")).ToList();

    private static List<string>? Dns(Body body) =>
        body.Strings("dns_nameservers")?.Select(d => NeutronAddresses.AddressProblem(d) is { } problem
            ? throw NeutronAddresses.InvalidAttribute("dns_nameservers", $"'{d}' is not a valid nameserver. {problem}")
            : Ipam.Canonical(d)).ToList();

    private static List<HostRoute>? Routes(Body body, int version) =>
        body.Array("host_routes")?.Select(r =>
        {
            var o = Body.Of(r!.AsObject());
            if (o.String("destination") is not { } destination || o.String("nexthop") is not { } nexthop)
            {
                throw NeutronErrors.InvalidInput($"'{r?.ToJsonString()}' is not a valid host route: it needs destination and nexthop");
            }

            var cidr = NeutronAddresses.RouteCidr(destination, "host_routes");
            var hop = Ipam.ParseAddress(nexthop, "host_routes", version);
            return cidr.Version != version ? throw NeutronErrors.InvalidInput($"host route {destination} is not IPv{version}") : new HostRoute(cidr.ToString(), Ipam.Format(hop, version));
        }).ToList();
}
