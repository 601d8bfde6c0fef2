using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Sandbox;
using Tricircle.Support;

namespace Tricircle.Hardening.Fuzz;

/// <summary>Who sends a fuzz case.</summary>
internal enum FuzzCaller
{
    /// <summary>The fuzz project's member, owner of the world's resources.</summary>
    Member,

    /// <summary>The cloud admin.</summary>
    Admin,

    /// <summary>A member of another project (demo): every world resource is someone else's.</summary>
    Other,

    /// <summary>No token at all.</summary>
    Anonymous,

    /// <summary>A token Keystone never issued.</summary>
    Forged,
}

/// <summary>
/// What the fuzz cases aim at: a project of its own (<c>fuzz-*</c>, a member) with a network,
/// subnet, port, security group and rule, a keypair, a server in each AZ, a volume and its
/// snapshot and a private image; as admin a private flavor and a volume type it may use, and a
/// disabled pod of its own (in an AZ of its own) with a binding, a routing and a job, so that the
/// Admin API's writes cannot touch the pods that serve the cloud; and a spare project for quota
/// and access writes.
/// </summary>
internal sealed class FuzzWorld
{
    private FuzzWorld(GatewayFixture gateway) => Gateway = gateway;

    public GatewayFixture Gateway { get; }

    /// <summary>The generator's systematic cases (made once per world).</summary>
    internal IReadOnlyList<FuzzGenerator.SweepEntry>? Sweep { get; set; }

    /// <summary>Ids by placeholder name (<c>server</c>, <c>network</c>, ...).</summary>
    public Dictionary<string, string> Ids { get; } = new(StringComparer.Ordinal);

    public string MemberToken { get; private set; } = "";

    public string MemberProject { get; private set; } = "";

    public string MemberUser { get; private set; } = "";

    public string AdminProject { get; private set; } = "";

    public string OtherProject => Gateway.DemoProjectId;

    public string SpareProject { get; private set; } = "";

    /// <summary>host:port of every pod service: an answer that names one leaks a pod to the client.</summary>
    public IReadOnlyList<string> PodAuthorities { get; private set; } = [];

    public Uri Root(FuzzApi api) => api switch
    {
        FuzzApi.Admin => new Uri(Gateway.AdminUrl, "/"),
        FuzzApi.Compute => new Uri(Gateway.ComputeUrl, "/"),
        FuzzApi.Volume => new Uri(Gateway.VolumeUrl, "/"),
        FuzzApi.Image => new Uri(Gateway.ImageUrl, "/"),
        _ => new Uri(Gateway.NetworkUrl, "/"),
    };

    public string? Token(FuzzCaller caller) => caller switch
    {
        FuzzCaller.Member => MemberToken,
        FuzzCaller.Admin => Gateway.AdminToken,
        FuzzCaller.Other => Gateway.DemoToken,
        FuzzCaller.Forged => "gAAAAABfuzz" + new string('x', 120),
        _ => null,
    };

    public string Project(FuzzCaller caller) => caller switch
    {
        FuzzCaller.Admin => AdminProject,
        FuzzCaller.Other => OtherProject,
        _ => MemberProject,
    };

    public static async Task<FuzzWorld> CreateAsync(GatewayFixture gateway)
    {
        var world = new FuzzWorld(gateway);
        var keystone = gateway.Sandbox.Keystone;
        var name = "fuzz-" + Guid.NewGuid().ToString("N")[..8];
        world.MemberProject = keystone.AddProject(name);
        var user = keystone.AddUser(name, "pw-" + name, defaultProjectId: world.MemberProject);
        keystone.Grant(user, world.MemberProject, "member");
        var issued = keystone.IssueToken(name, "pw-" + name, name);
        world.MemberToken = issued.Id;
        world.MemberUser = issued.UserId;
        world.SpareProject = keystone.AddProject(name + "-spare");
        world.AdminProject = keystone.IssueToken("admin", SandboxOptions.AdminPassword, "admin").ProjectId;
        await world.BuildAsync();
        return world;
    }

    private async Task BuildAsync()
    {
        var g = Gateway;
        var token = MemberToken;
        var admin = g.AdminToken;

        // No quota in the way: a boot or volume the fuzz's valid cases make must not hide what a later case would get.
        Ok(await g.ComputeAsync(HttpMethod.Put, "os-quota-sets/" + MemberProject, admin, """{"quota_set":{"instances":-1,"cores":-1,"ram":-1,"key_pairs":-1}}"""));
        Ok(await Volume(HttpMethod.Put, "os-quota-sets/" + MemberProject, admin, AdminProject, """{"quota_set":{"volumes":-1,"gigabytes":-1,"snapshots":-1}}"""));
        PodAuthorities = [.. g.Sandbox.Regions.Values.SelectMany(r => new[] { r.ComputeUrl, r.NetworkUrl, r.VolumeUrl, r.ImageUrl }).Select(u => u.Authority).Distinct()];

        // Networking, as the member.
        var network = Id(await g.NetworkAsync(HttpMethod.Post, "networks", token, """{"network":{"name":"fuzz-net"}}"""), "network");
        var subnet = Id(await g.NetworkAsync(HttpMethod.Post, "subnets", token, $$$"""{"subnet":{"network_id":"{{{network}}}","ip_version":4,"cidr":"10.91.0.0/24","name":"fuzz-sub"}}"""), "subnet");
        var group = Id(await g.NetworkAsync(HttpMethod.Post, "security-groups", token, """{"security_group":{"name":"fuzz-sg"}}"""), "security_group");
        var rule = Id(await g.NetworkAsync(HttpMethod.Post, "security-group-rules", token,
            $$$"""{"security_group_rule":{"security_group_id":"{{{group}}}","direction":"ingress","protocol":"tcp","port_range_min":22,"port_range_max":22}}"""), "security_group_rule");
        var port = Id(await g.NetworkAsync(HttpMethod.Post, "ports", token,
            $$$"""{"port":{"network_id":"{{{network}}}","name":"fuzz-port","fixed_ips":[{"subnet_id":"{{{subnet}}}","ip_address":"10.91.0.77"}],"security_groups":["{{{group}}}"]}}"""), "port");
        var router = Id(await g.NetworkAsync(HttpMethod.Post, "routers", token, """{"router":{"name":"fuzz-router"}}"""), "router");
        var scope = Id(await g.NetworkAsync(HttpMethod.Post, "address-scopes", token, """{"address_scope":{"name":"fuzz-scope","ip_version":4}}"""), "address_scope");
        var subnetpool = Id(await g.NetworkAsync(HttpMethod.Post, "subnetpools", token, """{"subnetpool":{"name":"fuzz-pool","prefixes":["10.93.0.0/16"],"default_prefixlen":24}}"""), "subnetpool");

        // A floating IP on the fuzz port: an admin's external network, and a router of the member's
        // between it and the fuzz subnet (its interface by a port of its own, so the subnet's
        // gateway IP stays free for the router cases). No floatingip quota in the way.
        var external = Id(await g.NetworkAsync(HttpMethod.Post, "networks", admin, """{"network":{"name":"fuzz-ext","router:external":true}}"""), "network");
        var externalSubnet = Id(await g.NetworkAsync(HttpMethod.Post, "subnets", admin, $$$"""{"subnet":{"network_id":"{{{external}}}","ip_version":4,"cidr":"172.29.0.0/22","name":"fuzz-ext-sub"}}"""), "subnet");
        Ok(await g.NetworkAsync(HttpMethod.Put, "quotas/" + MemberProject, admin, """{"quota":{"floatingip":-1}}"""));
        var fipRouter = Id(await g.NetworkAsync(HttpMethod.Post, "routers", token, $$$$"""{"router":{"name":"fuzz-fip-router","external_gateway_info":{"network_id":"{{{{external}}}}"}}}"""), "router");
        var fipRouterPort = Id(await g.NetworkAsync(HttpMethod.Post, "ports", token, $$$"""{"port":{"network_id":"{{{network}}}","fixed_ips":[{"subnet_id":"{{{subnet}}}","ip_address":"10.91.0.250"}]}}"""), "port");
        Ok(await g.NetworkAsync(HttpMethod.Put, $"routers/{fipRouter}/add_router_interface", token, $$$"""{"port_id":"{{{fipRouterPort}}}"}"""));
        var floatingIp = Id(await g.NetworkAsync(HttpMethod.Post, "floatingips", token, $$$"""{"floatingip":{"floating_network_id":"{{{external}}}","port_id":"{{{port}}}"}}"""), "floatingip");
        var extension = Ok(await g.NetworkAsync(HttpMethod.Get, "extensions", token)).GetProperty("extensions")[0].GetProperty("alias").GetString()!;

        // Compute, as the member.
        var keypair = Ok(await g.ComputeAsync(HttpMethod.Post, "os-keypairs", token, """{"keypair":{"name":"fuzz-key"}}""", "2.10")).GetProperty("keypair");
        var server = Id(await g.ComputeAsync(HttpMethod.Post, "servers", token,
            $$$"""{"server":{"name":"fuzz-vm","flavorRef":"1","imageRef":"{{{await g.CirrosAsync("RegionOne")}}}","networks":[{"uuid":"{{{network}}}"}],"availability_zone":"az1"}}""", "2.37"), "server");
        var server2 = await g.BootAsync(token, "az2", "fuzz-vm-2");

        // Volumes, as the member.
        var volume = Id(await Volume(HttpMethod.Post, "volumes", token, MemberProject, """{"volume":{"size":1,"name":"fuzz-vol","availability_zone":"az1"}}"""), "volume");
        await AvailableAsync("volumes", volume);
        var volume2 = Id(await Volume(HttpMethod.Post, "volumes", token, MemberProject, """{"volume":{"size":1,"name":"fuzz-vol-2","availability_zone":"az1"}}"""), "volume");
        await AvailableAsync("volumes", volume2);
        var snapshot = Id(await Volume(HttpMethod.Post, "snapshots", token, MemberProject, $$$"""{"snapshot":{"volume_id":"{{{volume}}}","name":"fuzz-snap"}}"""), "snapshot");
        await AvailableAsync("snapshots", snapshot);
        var image = Id(await g.ImageAsync(HttpMethod.Post, "v2/images", token, """{"name":"fuzz-image","disk_format":"qcow2","container_format":"bare","visibility":"private"}"""), null);

        // The catalogue, as admin: a private flavor and a volume type the member may use.
        const string flavor = "fuzz-flavor";
        Ok(await g.ComputeAsync(HttpMethod.Post, "flavors", admin, """{"flavor":{"name":"fuzz-flavor","id":"fuzz-flavor","ram":64,"vcpus":1,"disk":1,"os-flavor-access:is_public":false}}"""));
        Ok(await g.ComputeAsync(HttpMethod.Post, "flavors/fuzz-flavor/os-extra_specs", admin, """{"extra_specs":{"fuzz:key":"v"}}"""));
        Ok(await g.ComputeAsync(HttpMethod.Post, "flavors/fuzz-flavor/action", admin, $$$"""{"addTenantAccess":{"tenant":"{{{MemberProject}}}"}}"""));
        var type = Id(await Volume(HttpMethod.Post, "types", admin, AdminProject, """{"volume_type":{"name":"fuzz-type","extra_specs":{"fuzz_key":"v"}}}"""), "volume_type");

        // A pod of the fuzz's own, disabled once its binding, routing and job exist, in an AZ no one boots in.
        var pod = Id(await Admin(HttpMethod.Post, "pods", """{"pod":{"region_name":"FuzzRegion","az_name":"azfuzz","pod_az_name":"azfuzz"}}"""), "pod", "pod_id");
        var binding = Id(await Admin(HttpMethod.Post, "bindings", $$$"""{"pod_binding":{"tenant_id":"{{{SpareProject}}}","pod_id":"{{{pod}}}"}}"""), "pod_binding");
        var routing = Id(await Admin(HttpMethod.Post, "routings",
            $$$"""{"routing":{"top_id":"fuzz-top","bottom_id":"fuzz-bottom","pod_id":"{{{pod}}}","project_id":"{{{SpareProject}}}","resource_type":"network"}}"""), "routing");
        var job = Id(await Admin(HttpMethod.Post, "jobs", $$$$"""{"job":{"type":"network_sync","project_id":"{{{{MemberProject}}}}","resource":{"pod_id":"{{{{pod}}}}","network_id":"{{{{network}}}}"}}}"""), "job");
        Ok(await Admin(HttpMethod.Put, "pods/" + pod, """{"pod":{"disabled":true,"disabled_reason":"the fuzz suite's own pod"}}"""));
        var aggregate = Ok(await g.ComputeAsync(HttpMethod.Get, "os-aggregates", admin)).GetProperty("aggregates")[0].GetProperty("id").ToString();

        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["network"] = network,
            ["subnet"] = subnet,
            ["group"] = group,
            ["groupname"] = "fuzz-sg",
            ["rule"] = rule,
            ["port"] = port,
            ["router"] = router,
            ["scope"] = scope,
            ["subnetpool"] = subnetpool,
            ["external"] = external,
            ["extsubnet"] = externalSubnet,
            ["floatingip"] = floatingIp,
            ["alias"] = extension,
            ["keypair"] = keypair.GetProperty("name").GetString()!,
            ["pubkey"] = keypair.GetProperty("public_key").GetString()!,
            ["server"] = server,
            ["server2"] = server2,
            ["volume"] = volume,
            ["volume2"] = volume2,
            ["snapshot"] = snapshot,
            ["image"] = image,
            ["cirros"] = await g.CirrosAsync("RegionOne"),
            ["flavor"] = flavor,
            ["type"] = type,
            ["typename"] = "fuzz-type",
            ["pod"] = pod,
            ["binding"] = binding,
            ["routing"] = routing,
            ["job"] = job,
            ["aggregate"] = aggregate,
            ["spare"] = SpareProject,
            ["key"] = "fuzzkey",
            ["tag"] = "fuzz",
            ["netlabel"] = "fuzz-net",
        })
        {
            Ids[key] = value;
        }
    }

    private Task<ApiResponse> Volume(HttpMethod method, string path, string token, string project, string? json = null) =>
        Gateway.SendAsync(new Uri($"{Gateway.VolumeUrl.ToString().TrimEnd('/')}/{project}/{path}"), method, token, json, "3.59", "volume");

    private Task<ApiResponse> Admin(HttpMethod method, string path, string? json = null) =>
        Gateway.SendAsync(new Uri($"{Gateway.AdminUrl.ToString().TrimEnd('/')}/{path}"), method, Gateway.AdminToken, json);

    private async Task AvailableAsync(string collection, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var shown = Ok(await Volume(HttpMethod.Get, $"{collection}/{id}", MemberToken, MemberProject));
            var status = shown.GetProperty(collection.TrimEnd('s')).GetProperty("status").GetString();
            if (status == "available")
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{collection} {id} is still {status}");
            await Task.Delay(100);
        }
    }

    private static JsonElement Ok(ApiResponse response)
    {
        Assert.True(response.Status is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.Accepted, $"fuzz world setup: {(int)response.Status} {response.Text}");
        return response.Text.Length == 0 ? default : response.Json;
    }

    /// <summary>The id of what a create answered (under <paramref name="wrapper"/>, or at the top).</summary>
    private static string Id(ApiResponse response, string? wrapper, string field = "id")
    {
        var json = Ok(response);
        var inner = wrapper is null ? json : json.GetProperty(wrapper);
        return inner.GetProperty(field).ValueKind == JsonValueKind.Number ? inner.GetProperty(field).GetRawText() : inner.GetProperty(field).GetString()!;
    }

    /// <summary>Replaces <c>$name$</c> in a body template with the world's ids; <c>$unknown$</c> is a fresh uuid.</summary>
    public string Fill(string template, Random random)
    {
        var text = template;
        while (text.IndexOf('$', StringComparison.Ordinal) is var start and >= 0 && text.IndexOf('$', start + 1) is var end and > 0)
        {
            var key = text[(start + 1)..end];
            var value = key == "unknown" ? FuzzValues.Uuid(random) : key == "image" ? Ids["cirros"] : Ids[key];
            text = string.Concat(text.AsSpan(0, start), JsonEncodedText.Encode(value, System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString(), text.AsSpan(end + 1));
        }

        return text;
    }

    /// <summary>A JSON body template filled in, as a tree.</summary>
    public JsonNode FillNode(string template, Random random) => JsonNode.Parse(Fill(template, random))!;
}
