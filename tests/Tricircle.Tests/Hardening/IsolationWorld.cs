using System.Net;
using System.Text.Json;
using Tricircle.Hardening.Fuzz;
using Tricircle.Sandbox;
using Tricircle.Support;

namespace Tricircle.Hardening;

/// <summary>
/// One tenant of the isolation matrix and what it owns: a network with a subnet, a port and a
/// security group (with a rule), a keypair, a server in az1 on its network and group (so their
/// copies live in RegionOne), a volume and its snapshot in az1, a private active image, a
/// private flavor and a private volume type only it may use (with a volume of that type, so the
/// type has a copy in RegionOne).
/// </summary>
public sealed class IsolationTenant(string name, string token, string project, string user)
{
    public string Name { get; } = name;

    public string Token { get; } = token;

    public string Project { get; } = project;

    public string User { get; } = user;

    public string Network { get; set; } = "";

    public string Subnet { get; set; } = "";

    public string Port { get; set; } = "";

    public string Group { get; set; } = "";

    public string GroupName => "iso-sg-" + Name;

    public string Rule { get; set; } = "";

    public string KeyName => "iso-key-" + Name;

    public string Server { get; set; } = "";

    public string ServerName => "iso-vm-" + Name;

    public string Volume { get; set; } = "";

    public string VolumeName => "iso-vol-" + Name;

    public string Snapshot { get; set; } = "";

    public string Image { get; set; } = "";

    public string Flavor => "iso-flavor-" + Name;

    public string Type { get; set; } = "";

    public string TypeName => "iso-type-" + Name;

    public override string ToString() => Name;
}

/// <summary>The two member projects of an isolation sandbox (demo and alt_demo, as devstack makes them), with what each owns.</summary>
public sealed class IsolationWorld
{
    public required IsolationTenant Demo { get; init; }

    public required IsolationTenant AltDemo { get; init; }

    public static async Task<IsolationWorld> CreateAsync(GatewayFixture gateway)
    {
        var keystone = gateway.Sandbox.Keystone;
        var demoUser = keystone.IssueToken("demo", SandboxOptions.DemoPassword, "demo").UserId;
        var alt = keystone.IssueToken("alt_demo", SandboxOptions.AltDemoPassword, "alt_demo");
        var world = new IsolationWorld
        {
            Demo = new IsolationTenant("demo", gateway.DemoToken, gateway.DemoProjectId, demoUser),
            AltDemo = new IsolationTenant("alt_demo", alt.Id, alt.ProjectId, alt.UserId),
        };
        await BuildAsync(gateway, world.Demo, 81);
        await BuildAsync(gateway, world.AltDemo, 82);
        return world;
    }

    private static async Task BuildAsync(GatewayFixture g, IsolationTenant t, int octet)
    {
        var token = t.Token;
        var (network, subnet) = await new NetworkSteps(g).NetworkAsync(token, $"10.{octet}.0.0/24");
        t.Network = network;
        t.Subnet = subnet;
        t.Group = Id(await g.NetworkAsync(HttpMethod.Post, "security-groups", token, Json(new { security_group = new { name = t.GroupName, description = "iso" } })), "security_group");
        t.Rule = Id(await g.NetworkAsync(HttpMethod.Post, "security-group-rules", token,
            Json(new { security_group_rule = new { security_group_id = t.Group, direction = "ingress", protocol = "tcp", port_range_min = 22, port_range_max = 22 } })), "security_group_rule");
        t.Port = Id(await g.NetworkAsync(HttpMethod.Post, "ports", token, Json(new { port = new { network_id = network, name = "iso-port-" + t.Name, security_groups = new[] { t.Group } } })), "port");
        Ok(await g.ComputeAsync(HttpMethod.Post, "os-keypairs", token, Json(new { keypair = new { name = t.KeyName } }), "2.10"));

        // A private, active image of the tenant's own.
        t.Image = Id(await g.ImageAsync(HttpMethod.Post, "v2/images", token, Json(new { name = "iso-image-" + t.Name, disk_format = "raw", container_format = "bare", visibility = "private" })), null);
        using (var upload = new HttpRequestMessage(HttpMethod.Put, new Uri(g.ImageUrl, $"v2/images/{t.Image}/file")) { Content = new ByteArrayContent(new byte[1024]) })
        {
            upload.Headers.Add("X-Auth-Token", token);
            upload.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/octet-stream");
            var uploaded = await ApiResponse.SendAsync(g.Http, upload);
            Assert.True(uploaded.Status == HttpStatusCode.NoContent, $"isolation setup: image upload {(int)uploaded.Status} {uploaded.Text}");
        }

        // A server in az1 on the network and group: their copies are made in RegionOne.
        t.Server = Id(await g.ComputeAsync(HttpMethod.Post, "servers", token, Json(new
        {
            server = new
            {
                name = t.ServerName,
                flavorRef = "1",
                imageRef = await g.CirrosAsync("RegionOne"),
                networks = new[] { new { uuid = network } },
                security_groups = new[] { new { name = t.GroupName } },
                availability_zone = "az1",
                metadata = new { owner = t.Name },
            },
        }), "2.37"), "server");

        t.Volume = Id(await Cinder(g, HttpMethod.Post, t, "volumes", Json(new { volume = new { size = 1, name = t.VolumeName, availability_zone = "az1", metadata = new { owner = t.Name } } })), "volume");
        await AvailableAsync(g, t, "volumes", t.Volume);
        t.Snapshot = Id(await Cinder(g, HttpMethod.Post, t, "snapshots", Json(new { snapshot = new { volume_id = t.Volume, name = "iso-snap-" + t.Name } })), "snapshot");
        await AvailableAsync(g, t, "snapshots", t.Snapshot);

        // A private flavor and a private volume type only this tenant may use (admin's), the type used once so RegionOne has its copy.
        Ok(await g.ComputeAsync(HttpMethod.Post, "flavors", g.AdminToken, Json(new { flavor = new Dictionary<string, object> { ["name"] = t.Flavor, ["id"] = t.Flavor, ["ram"] = 64, ["vcpus"] = 1, ["disk"] = 1, ["os-flavor-access:is_public"] = false } })));
        Ok(await g.ComputeAsync(HttpMethod.Post, $"flavors/{t.Flavor}/action", g.AdminToken, Json(new { addTenantAccess = new { tenant = t.Project } })));
        var admin = new IsolationTenant("admin", g.AdminToken, g.Sandbox.Keystone.IssueToken("admin", SandboxOptions.AdminPassword, "admin").ProjectId, "");
        t.Type = Id(await Cinder(g, HttpMethod.Post, admin, "types", Json(new { volume_type = new Dictionary<string, object> { ["name"] = t.TypeName, ["os-volume-type-access:is_public"] = false } })), "volume_type");
        Ok(await Cinder(g, HttpMethod.Post, admin, $"types/{t.Type}/action", Json(new { addProjectAccess = new { project = t.Project } })));
        var typed = Id(await Cinder(g, HttpMethod.Post, t, "volumes", Json(new { volume = new { size = 1, name = "iso-typed-" + t.Name, availability_zone = "az1", volume_type = t.TypeName } })), "volume");
        await AvailableAsync(g, t, "volumes", typed);
    }

    public static Task<ApiResponse> Cinder(GatewayFixture g, HttpMethod method, IsolationTenant t, string path, string? json = null, string? project = null) =>
        g.SendAsync(new Uri($"{g.VolumeUrl.ToString().TrimEnd('/')}/{project ?? t.Project}/{path}"), method, t.Token, json, "3.59", "volume");

    private static async Task AvailableAsync(GatewayFixture g, IsolationTenant t, string collection, string id) =>
        await Poll.UntilAsync(
            async () => (await Cinder(g, HttpMethod.Get, t, $"{collection}/{id}")).Json.GetProperty(collection.TrimEnd('s')).GetProperty("status").GetString() == "available",
            TimeSpan.FromSeconds(60),
            () => $"{collection} {id} available");

    public static string Json(object value) => JsonSerializer.Serialize(value);

    private static JsonElement Ok(ApiResponse response)
    {
        Assert.True((int)response.Status is >= 200 and < 300, $"isolation setup: {(int)response.Status} {response.Text}");
        return response.Text.Length == 0 ? default : response.Json;
    }

    private static string Id(ApiResponse response, string? wrapper)
    {
        var json = Ok(response);
        return (wrapper is null ? json : json.GetProperty(wrapper)).GetProperty("id").GetString()!;
    }

    /// <summary>An answer as the fuzz oracle reads it (for the error-shape check).</summary>
    internal static FuzzAnswer Answer(ApiResponse r) =>
        new((int)r.Status, r.Text, r.Message.Content.Headers.ContentType?.ToString(), r.Message.Headers.WwwAuthenticate.Count > 0, null, null, TimeSpan.Zero);
}

/// <summary>A sandbox of the isolation matrix's own, whose two tenants' resources are made once for all its tests.</summary>
public class IsolationGatewayFixture(string dialect) : GatewayFixture(dialect)
{
    private Task<IsolationWorld>? _world;

    protected override Dictionary<string, string?> Settings => new() { ["jobs:audit_interval"] = "0" };

    public Task<IsolationWorld> WorldAsync() => _world ??= IsolationWorld.CreateAsync(this);
}

public sealed class SqliteIsolationGatewayFixture() : IsolationGatewayFixture("sqlite");

public sealed class PostgresIsolationGatewayFixture() : IsolationGatewayFixture("postgres");
