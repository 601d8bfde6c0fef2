using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Hardening.Fuzz;
using Tricircle.Support;
using static Tricircle.Hardening.IsolationWorld;

namespace Tricircle.Hardening;

/// <summary>
/// The tenant-isolation matrix: for every resource type, <c>other</c> against <c>demo</c>'s
/// resources and the reverse, every verb (show, list and filtered list, update, delete, actions,
/// sub-resources, and use in another request: a port or network in a boot, a group on a port, a
/// volume in an attach or a boot, a snapshot in a volume create, a subnet in a port's fixed_ips,
/// a private flavor, type or image in a create). Each must be refused with the status a real
/// cloud gives (404 for another project's resource, 400 where Nova names it in a boot, 403 where
/// OpenStack's policy answers that), in its API's error shape, and the target must be unchanged
/// afterwards, centrally as its owner sees it and in the pod's own API where it lives in a pod.
/// </summary>
public abstract class TenantIsolationTests(IsolationGatewayFixture gateway)
{
    private const int NotFound = 404;
    private const int BadRequest = 400;
    private const int Forbidden = 403;

    private static IEnumerable<(IsolationTenant Owner, IsolationTenant Attacker)> Pairs(IsolationWorld w) => [(w.Demo, w.AltDemo), (w.AltDemo, w.Demo)];

    // ---- requests -----------------------------------------------------------------------

    private Task<ApiResponse> Nova(HttpMethod method, string path, IsolationTenant t, object? body = null, string microversion = "2.60") =>
        gateway.ComputeAsync(method, path, t.Token, body is null ? null : Json(body), microversion);

    private Task<ApiResponse> Cinder(HttpMethod method, string path, IsolationTenant t, object? body = null, string? project = null) =>
        IsolationWorld.Cinder(gateway, method, t, path, body is null ? null : Json(body), project);

    private Task<ApiResponse> Neutron(HttpMethod method, string path, IsolationTenant t, object? body = null) =>
        gateway.NetworkAsync(method, path, t.Token, body is null ? null : Json(body));

    private Task<ApiResponse> Glance(HttpMethod method, string path, IsolationTenant t, string? json = null, string? contentType = null) =>
        gateway.ImageAsync(method, path, t.Token, json, contentType);

    private Task<ApiResponse> Admin(HttpMethod method, string path, string token, object? body = null) =>
        gateway.SendAsync(new Uri($"{gateway.AdminUrl.ToString().TrimEnd('/')}/{path}"), method, token, body is null ? null : Json(body));

    private Task<ApiResponse> Pod(string service, string path, IsolationTenant t)
    {
        var region = gateway.Region("RegionOne");
        var url = service switch
        {
            "compute" => new Uri(region.ComputeUrl + "/" + path),
            "volume" => new Uri(region.VolumeUrl, $"v3/{t.Project}/{path}"),
            _ => new Uri(region.NetworkUrl, "v2.0/" + path),
        };
        return gateway.SendAsync(url, HttpMethod.Get, service == "network" ? gateway.AdminToken : t.Token);
    }

    /// <summary>A boot that must be refused: its own name, in az1, with what the case adds.</summary>
    private async Task<ApiResponse> BootAsync(IsolationTenant a, Action<JsonObject> change)
    {
        var server = new JsonObject { ["name"] = "iso-steal", ["flavorRef"] = "1", ["imageRef"] = await gateway.CirrosAsync("RegionOne"), ["networks"] = "none", ["availability_zone"] = "az1" };
        change(server);
        return await gateway.ComputeAsync(HttpMethod.Post, "servers", a.Token, new JsonObject { ["server"] = server }.ToJsonString(), "2.60");
    }

    private static string Fields(ApiResponse response, string wrapper, params string[] fields)
    {
        if ((int)response.Status != 200)
        {
            return $"{(int)response.Status} {response.Text}";
        }

        var item = wrapper.Length == 0 ? response.Json : response.Json.GetProperty(wrapper);
        return string.Join("; ", fields.Select(f => $"{f}={(item.TryGetProperty(f, out var v) ? Canonical(v) : "(none)")}"));
    }

    /// <summary>A pod's copy of a central network resource (named after the central id): the listed fields.</summary>
    private async Task<string> CopyAsync(string collection, string topId, params string[] fields)
    {
        var answer = await Pod("network", $"{collection}?name={topId}", null!);
        var items = answer.Json.GetProperty(collection.Replace('-', '_')).EnumerateArray().ToList();
        return items.Count == 1 ? string.Join("; ", fields.Select(f => $"{f}={(items[0].TryGetProperty(f, out var v) ? Canonical(v) : "(none)")}")) : $"{items.Count} copies";
    }

    private static string Canonical(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Array => "[" + string.Join(",", value.EnumerateArray().Select(Canonical).Order(StringComparer.Ordinal)) + "]",
        JsonValueKind.Object => "{" + string.Join(",", value.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + ":" + Canonical(p.Value))) + "}",
        _ => value.GetRawText(),
    };

    private static string Of(IsolationTenant owner, string what) => $"{owner}'s {what}";

    // ---- servers --------------------------------------------------------------------------

    [Fact]
    public async Task Servers_OfAnotherProject_CannotBeSeenChangedDeletedActedOnOrAttachedTo()
    {
        var w = await gateway.WorldAsync();
        var v = new Verdicts();
        foreach (var (o, a) in Pairs(w))
        {
            async Task<string> StateAsync() =>
                "central " + Fields(await Nova(HttpMethod.Get, "servers/" + o.Server, o), "server", "name", "metadata")
                + " | pod " + Fields(await Pod("compute", "servers/" + o.Server, o), "server", "name", "metadata");
            var before = await StateAsync();
            var server = "servers/" + o.Server;
            var who = $"{a} → {{0}} ({Of(o, "server")})";
            await v.ExpectAsync(string.Format(null, who, "GET /servers/{id}"), Nova(HttpMethod.Get, server, a), FuzzApi.Compute, NotFound);
            await v.NotListedAsync(string.Format(null, who, "GET /servers"), Nova(HttpMethod.Get, "servers", a), "servers", o.Server);
            await v.NotListedAsync(string.Format(null, who, "GET /servers/detail"), Nova(HttpMethod.Get, "servers/detail", a), "servers", o.Server);
            await v.NotListedAsync(string.Format(null, who, "GET /servers/detail?name=<its name>"), Nova(HttpMethod.Get, "servers/detail?name=" + o.ServerName, a), "servers", o.Server);
            await v.ExpectAsync(string.Format(null, who, "GET /servers/detail?all_tenants=1 (a member: Nova's policy answers 403)"), Nova(HttpMethod.Get, "servers/detail?all_tenants=1", a), FuzzApi.Compute, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "PUT /servers/{id}"), Nova(HttpMethod.Put, server, a, new { server = new { name = "hijacked" } }), FuzzApi.Compute, NotFound);
            await v.ExpectAsync(string.Format(null, who, "DELETE /servers/{id}"), Nova(HttpMethod.Delete, server, a), FuzzApi.Compute, NotFound);
            foreach (var action in new object[] { new { reboot = new { type = "HARD" } }, new Dictionary<string, object?> { ["os-stop"] = null }, new Dictionary<string, object> { ["os-getConsoleOutput"] = new { length = 10 } }, new { changePassword = new { adminPass = "x" } }, new Dictionary<string, object?> { ["forceDelete"] = null } })
            {
                await v.ExpectAsync(string.Format(null, who, "POST /servers/{id}/action " + Json(action)), Nova(HttpMethod.Post, server + "/action", a, action), FuzzApi.Compute, NotFound);
            }

            foreach (var sub in new[] { "metadata", "metadata/owner", "ips", "os-interface", "os-volume_attachments", "os-instance-actions", "os-security-groups", "tags" })
            {
                await v.ExpectAsync(string.Format(null, who, $"GET /servers/{{id}}/{sub}"), Nova(HttpMethod.Get, $"{server}/{sub}", a), FuzzApi.Compute, NotFound);
            }

            await v.ExpectAsync(string.Format(null, who, "PUT /servers/{id}/metadata"), Nova(HttpMethod.Put, server + "/metadata", a, new { metadata = new { owner = "hijacked" } }), FuzzApi.Compute, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /servers/{id}/metadata"), Nova(HttpMethod.Post, server + "/metadata", a, new { metadata = new { extra = "x" } }), FuzzApi.Compute, NotFound);
            await v.ExpectAsync(string.Format(null, who, "DELETE /servers/{id}/metadata/owner"), Nova(HttpMethod.Delete, server + "/metadata/owner", a), FuzzApi.Compute, NotFound);
            await v.ExpectAsync(string.Format(null, who, $"POST /servers/{{id}}/os-volume_attachments with {a}'s own volume"), Nova(HttpMethod.Post, server + "/os-volume_attachments", a, new { volumeAttachment = new { volumeId = a.Volume } }), FuzzApi.Compute, NotFound);
            await v.ExpectAsync(string.Format(null, who, $"POST /servers/{{id}}/os-interface with {a}'s own network"), Nova(HttpMethod.Post, server + "/os-interface", a, new { interfaceAttachment = new { net_id = a.Network } }), FuzzApi.Compute, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /volumes/{own volume}/action os-attach to it"), Cinder(HttpMethod.Post, $"volumes/{a.Volume}/action", a, new Dictionary<string, object> { ["os-attach"] = new { instance_uuid = o.Server, mountpoint = "/dev/vdc" } }), FuzzApi.Volume, NotFound);
            v.Same($"{Of(o, "server")} (as {o} sees it, and in RegionOne's Nova)", before, await StateAsync());
        }

        v.AssertNone("servers");
    }

    // ---- volumes and snapshots ----------------------------------------------------------------------

    [Fact]
    public async Task VolumesAndSnapshots_OfAnotherProject_CannotBeSeenChangedDeletedOrUsed()
    {
        var w = await gateway.WorldAsync();
        var v = new Verdicts();
        foreach (var (o, a) in Pairs(w))
        {
            async Task<string> StateAsync() =>
                "central " + Fields(await Cinder(HttpMethod.Get, "volumes/" + o.Volume, o), "volume", "name", "size", "status", "metadata", "bootable", "attachments")
                + " | pod " + Fields(await Pod("volume", "volumes/" + o.Volume, o), "volume", "name", "size", "status", "metadata", "bootable", "attachments")
                + " | snapshot " + Fields(await Cinder(HttpMethod.Get, "snapshots/" + o.Snapshot, o), "snapshot", "name", "status", "metadata")
                + " | pod " + Fields(await Pod("volume", "snapshots/" + o.Snapshot, o), "snapshot", "name", "status", "metadata");
            var before = await StateAsync();
            var who = $"{a} → {{0}} ({Of(o, "volume")})";
            var volume = "volumes/" + o.Volume;
            await v.ExpectAsync(string.Format(null, who, "GET /volumes/{id}"), Cinder(HttpMethod.Get, volume, a), FuzzApi.Volume, NotFound);
            foreach (var list in new[] { "volumes", "volumes/detail", "volumes/detail?name=" + o.VolumeName, "volumes/detail?all_tenants=1" })
            {
                await v.NotListedAsync(string.Format(null, who, "GET /" + list), Cinder(HttpMethod.Get, list, a), "volumes", o.Volume);
            }

            await v.ExpectAsync(string.Format(null, who, "PUT /volumes/{id}"), Cinder(HttpMethod.Put, volume, a, new { volume = new { name = "hijacked" } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, "DELETE /volumes/{id}"), Cinder(HttpMethod.Delete, volume, a), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /volumes/{id}/action os-extend"), Cinder(HttpMethod.Post, volume + "/action", a, new Dictionary<string, object> { ["os-extend"] = new { new_size = 2 } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /volumes/{id}/action os-set_bootable"), Cinder(HttpMethod.Post, volume + "/action", a, new Dictionary<string, object> { ["os-set_bootable"] = new { bootable = true } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /volumes/{id}/action os-update_readonly_flag"), Cinder(HttpMethod.Post, volume + "/action", a, new Dictionary<string, object> { ["os-update_readonly_flag"] = new { @readonly = true } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /volumes/{id}/action os-reset_status (admin-only)"), Cinder(HttpMethod.Post, volume + "/action", a, new Dictionary<string, object> { ["os-reset_status"] = new { status = "error" } }), FuzzApi.Volume, Forbidden, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /volumes/{id}/action os-attach to its own server"), Cinder(HttpMethod.Post, volume + "/action", a, new Dictionary<string, object> { ["os-attach"] = new { instance_uuid = a.Server, mountpoint = "/dev/vdc" } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, "GET /volumes/{id}/metadata"), Cinder(HttpMethod.Get, volume + "/metadata", a), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, "PUT /volumes/{id}/metadata"), Cinder(HttpMethod.Put, volume + "/metadata", a, new { metadata = new { owner = "hijacked" } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, "DELETE /volumes/{id}/metadata/owner"), Cinder(HttpMethod.Delete, volume + "/metadata/owner", a), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, $"GET /v3/{{{o}'s project}}/volumes/{{id}} with {a}'s token"), Cinder(HttpMethod.Get, volume, a, project: o.Project), FuzzApi.Volume, BadRequest, Forbidden, NotFound);
            await v.ExpectAsync(string.Format(null, who, $"GET /v3/{{{o}'s project}}/volumes/detail with {a}'s token"), Cinder(HttpMethod.Get, "volumes/detail", a, project: o.Project), FuzzApi.Volume, BadRequest, Forbidden, NotFound);

            // Used in another request.
            await v.ExpectAsync(string.Format(null, who, "POST /snapshots of it"), Cinder(HttpMethod.Post, "snapshots", a, new { snapshot = new { volume_id = o.Volume, name = "iso-steal" } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /volumes with source_volid = it"), Cinder(HttpMethod.Post, "volumes", a, new { volume = new { size = 1, source_volid = o.Volume, name = "iso-steal" } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /servers/{own server}/os-volume_attachments with it"), Nova(HttpMethod.Post, $"servers/{a.Server}/os-volume_attachments", a, new { volumeAttachment = new { volumeId = o.Volume } }), FuzzApi.Compute, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /servers booting from it (block_device_mapping_v2)"), BootAsync(a, s =>
            {
                s.Remove("imageRef");
                s["block_device_mapping_v2"] = new JsonArray(new JsonObject { ["boot_index"] = 0, ["uuid"] = o.Volume, ["source_type"] = "volume", ["destination_type"] = "volume" });
            }), FuzzApi.Compute, BadRequest, NotFound);

            var snapshot = "snapshots/" + o.Snapshot;
            var ofSnapshot = $"{a} → {{0}} ({Of(o, "snapshot")})";
            await v.ExpectAsync(string.Format(null, ofSnapshot, "GET /snapshots/{id}"), Cinder(HttpMethod.Get, snapshot, a), FuzzApi.Volume, NotFound);
            foreach (var list in new[] { "snapshots", "snapshots/detail", "snapshots/detail?volume_id=" + o.Volume, "snapshots/detail?all_tenants=1" })
            {
                await v.NotListedAsync(string.Format(null, ofSnapshot, "GET /" + list), Cinder(HttpMethod.Get, list, a), "snapshots", o.Snapshot);
            }

            await v.ExpectAsync(string.Format(null, ofSnapshot, "PUT /snapshots/{id}"), Cinder(HttpMethod.Put, snapshot, a, new { snapshot = new { name = "hijacked" } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, ofSnapshot, "DELETE /snapshots/{id}"), Cinder(HttpMethod.Delete, snapshot, a), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, ofSnapshot, "GET /snapshots/{id}/metadata"), Cinder(HttpMethod.Get, snapshot + "/metadata", a), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, ofSnapshot, "PUT /snapshots/{id}/metadata"), Cinder(HttpMethod.Put, snapshot + "/metadata", a, new { metadata = new { owner = "hijacked" } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, ofSnapshot, "POST /volumes with snapshot_id = it"), Cinder(HttpMethod.Post, "volumes", a, new { volume = new { snapshot_id = o.Snapshot, name = "iso-steal" } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, ofSnapshot, "POST /servers booting from it (block_device_mapping_v2)"), BootAsync(a, s =>
            {
                s.Remove("imageRef");
                s["block_device_mapping_v2"] = new JsonArray(new JsonObject { ["boot_index"] = 0, ["uuid"] = o.Snapshot, ["source_type"] = "snapshot", ["destination_type"] = "volume", ["volume_size"] = 1 });
            }), FuzzApi.Compute, BadRequest, NotFound);
            v.Same($"{Of(o, "volume and snapshot")} (as {o} sees them, and in RegionOne's Cinder)", before, await StateAsync());
        }

        v.AssertNone("volumes and snapshots");
    }

    // ---- keypairs, flavors' access, volume types' access, quotas -------------------------------

    [Fact]
    public async Task Keypairs_OfAnotherUser_CannotBeSeenDeletedOrUsed()
    {
        var w = await gateway.WorldAsync();
        var v = new Verdicts();
        foreach (var (o, a) in Pairs(w))
        {
            async Task<string> StateAsync() => Fields(await Nova(HttpMethod.Get, "os-keypairs/" + o.KeyName, o), "keypair", "name", "fingerprint", "public_key");
            var before = await StateAsync();
            var who = $"{a} → {{0}} ({Of(o, "keypair")})";
            await v.ExpectAsync(string.Format(null, who, "GET /os-keypairs/{name}"), Nova(HttpMethod.Get, "os-keypairs/" + o.KeyName, a), FuzzApi.Compute, NotFound);
            var listed = await Nova(HttpMethod.Get, "os-keypairs", a);
            if (listed.Text.Contains(o.KeyName, StringComparison.Ordinal))
            {
                v.Fail(string.Format(null, who, "GET /os-keypairs") + ": the list shows it: " + listed.Text);
            }

            await v.ExpectAsync(string.Format(null, who, $"GET /os-keypairs?user_id={{{o}'s user}} (2.10; Nova's policy: 403 for a member)"), Nova(HttpMethod.Get, "os-keypairs?user_id=" + o.User, a, microversion: "2.10"), FuzzApi.Compute, Forbidden);
            await v.ExpectAsync(string.Format(null, who, $"GET /os-keypairs/{{name}}?user_id={{{o}'s user}}"), Nova(HttpMethod.Get, $"os-keypairs/{o.KeyName}?user_id={o.User}", a, microversion: "2.10"), FuzzApi.Compute, Forbidden, NotFound);
            await v.ExpectAsync(string.Format(null, who, "DELETE /os-keypairs/{name}"), Nova(HttpMethod.Delete, "os-keypairs/" + o.KeyName, a), FuzzApi.Compute, NotFound);
            await v.ExpectAsync(string.Format(null, who, $"DELETE /os-keypairs/{{name}}?user_id={{{o}'s user}}"), Nova(HttpMethod.Delete, $"os-keypairs/{o.KeyName}?user_id={o.User}", a, microversion: "2.10"), FuzzApi.Compute, Forbidden, NotFound);
            await v.ExpectAsync(string.Format(null, who, $"POST /os-keypairs for {o}'s user (2.10: user_id is an admin's)"), Nova(HttpMethod.Post, "os-keypairs", a, new { keypair = new { name = "iso-planted", user_id = o.User } }, "2.10"), FuzzApi.Compute, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "POST /servers with key_name = it"), BootAsync(a, s => s["key_name"] = o.KeyName), FuzzApi.Compute, BadRequest);
            v.Same($"{Of(o, "keypair")} (as {o} sees it)", before, await StateAsync());
            var planted = await Nova(HttpMethod.Get, "os-keypairs", o);
            if (planted.Text.Contains("iso-planted", StringComparison.Ordinal))
            {
                v.Fail($"{a} planted a keypair in {o}'s user: {planted.Text}");
            }
        }

        v.AssertNone("keypairs");
    }

    [Fact]
    public async Task PrivateFlavorsAndVolumeTypes_OfAnotherProject_CannotBeSeenUsedOrOpenedUp()
    {
        var w = await gateway.WorldAsync();
        var v = new Verdicts();
        var admin = new IsolationTenant("admin", gateway.AdminToken, gateway.Sandbox.Keystone.IssueToken("admin", Tricircle.Sandbox.SandboxOptions.AdminPassword, "admin").ProjectId, "");
        foreach (var (o, a) in Pairs(w))
        {
            async Task<string> StateAsync() =>
                "flavor access " + (await Nova(HttpMethod.Get, $"flavors/{o.Flavor}/os-flavor-access", admin)).Text
                + " | type access " + (await Cinder(HttpMethod.Get, $"types/{o.Type}/os-volume-type-access", admin)).Text
                + " | type " + Fields(await Cinder(HttpMethod.Get, "types/" + o.Type, admin), "volume_type", "name", "is_public", "description");
            var before = await StateAsync();
            var flavor = $"{a} → {{0}} ({Of(o, "private flavor")})";
            await v.ExpectAsync(string.Format(null, flavor, "GET /flavors/{id}"), Nova(HttpMethod.Get, "flavors/" + o.Flavor, a), FuzzApi.Compute, NotFound);
            await v.NotListedAsync(string.Format(null, flavor, "GET /flavors"), Nova(HttpMethod.Get, "flavors", a), "flavors", o.Flavor);
            await v.NotListedAsync(string.Format(null, flavor, "GET /flavors/detail?is_public=none"), Nova(HttpMethod.Get, "flavors/detail?is_public=none", a), "flavors", o.Flavor);
            await v.ExpectAsync(string.Format(null, flavor, "GET /flavors/{id}/os-extra_specs"), Nova(HttpMethod.Get, $"flavors/{o.Flavor}/os-extra_specs", a), FuzzApi.Compute, NotFound);
            await v.ExpectAsync(string.Format(null, flavor, "GET /flavors/{id}/os-flavor-access"), Nova(HttpMethod.Get, $"flavors/{o.Flavor}/os-flavor-access", a), FuzzApi.Compute, Forbidden, NotFound);
            await v.ExpectAsync(string.Format(null, flavor, "POST /flavors/{id}/action addTenantAccess to itself"), Nova(HttpMethod.Post, $"flavors/{o.Flavor}/action", a, new { addTenantAccess = new { tenant = a.Project } }), FuzzApi.Compute, Forbidden);
            await v.ExpectAsync(string.Format(null, flavor, "POST /flavors/{id}/action removeTenantAccess of the owner"), Nova(HttpMethod.Post, $"flavors/{o.Flavor}/action", a, new { removeTenantAccess = new { tenant = o.Project } }), FuzzApi.Compute, Forbidden);
            await v.ExpectAsync(string.Format(null, flavor, "POST /servers with flavorRef = it"), BootAsync(a, s => s["flavorRef"] = o.Flavor), FuzzApi.Compute, BadRequest);

            var type = $"{a} → {{0}} ({Of(o, "private volume type")})";
            await v.ExpectAsync(string.Format(null, type, "GET /types/{id}"), Cinder(HttpMethod.Get, "types/" + o.Type, a), FuzzApi.Volume, NotFound);
            await v.NotListedAsync(string.Format(null, type, "GET /types"), Cinder(HttpMethod.Get, "types", a), "volume_types", o.Type);
            await v.NotListedAsync(string.Format(null, type, "GET /types?is_public=none"), Cinder(HttpMethod.Get, "types?is_public=none", a), "volume_types", o.Type);
            await v.ExpectAsync(string.Format(null, type, "GET /types/{id}/extra_specs"), Cinder(HttpMethod.Get, $"types/{o.Type}/extra_specs", a), FuzzApi.Volume, Forbidden, NotFound);
            await v.ExpectAsync(string.Format(null, type, "GET /types/{id}/os-volume-type-access"), Cinder(HttpMethod.Get, $"types/{o.Type}/os-volume-type-access", a), FuzzApi.Volume, Forbidden, NotFound);
            await v.ExpectAsync(string.Format(null, type, "POST /types/{id}/action addProjectAccess to itself"), Cinder(HttpMethod.Post, $"types/{o.Type}/action", a, new { addProjectAccess = new { project = a.Project } }), FuzzApi.Volume, Forbidden);
            await v.ExpectAsync(string.Format(null, type, "PUT /types/{id} is_public=true"), Cinder(HttpMethod.Put, "types/" + o.Type, a, new { volume_type = new { is_public = true } }), FuzzApi.Volume, Forbidden);
            await v.ExpectAsync(string.Format(null, type, "POST /volumes with volume_type = its name (its copy in RegionOne is public)"), Cinder(HttpMethod.Post, "volumes", a, new { volume = new { size = 1, name = "iso-steal", availability_zone = "az1", volume_type = o.TypeName } }), FuzzApi.Volume, NotFound);
            await v.ExpectAsync(string.Format(null, type, "POST /volumes with volume_type = its id"), Cinder(HttpMethod.Post, "volumes", a, new { volume = new { size = 1, name = "iso-steal", availability_zone = "az1", volume_type = o.Type } }), FuzzApi.Volume, NotFound);
            v.Same($"{Of(o, "private flavor's and volume type's access lists")} (as admin sees them)", before, await StateAsync());
        }

        v.AssertNone("private flavors and volume types");
    }

    [Fact]
    public async Task QuotaSets_OfAnotherProject_CannotBeReadOrChanged()
    {
        var w = await gateway.WorldAsync();
        var v = new Verdicts();
        var admin = new IsolationTenant("admin", gateway.AdminToken, gateway.Sandbox.Keystone.IssueToken("admin", Tricircle.Sandbox.SandboxOptions.AdminPassword, "admin").ProjectId, "");
        foreach (var (o, a) in Pairs(w))
        {
            async Task<string> StateAsync() =>
                "nova " + (await Nova(HttpMethod.Get, "os-quota-sets/" + o.Project, admin)).Text
                + " | cinder " + (await Cinder(HttpMethod.Get, "os-quota-sets/" + o.Project, admin)).Text
                + " | neutron " + (await Neutron(HttpMethod.Get, "quotas/" + o.Project, admin)).Text;
            var before = await StateAsync();
            var who = $"{a} → {{0}} ({Of(o, "quotas")})";
            await v.ExpectAsync(string.Format(null, who, "GET /v2.1/os-quota-sets/{project}"), Nova(HttpMethod.Get, "os-quota-sets/" + o.Project, a), FuzzApi.Compute, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "GET /v2.1/os-quota-sets/{project}/detail"), Nova(HttpMethod.Get, $"os-quota-sets/{o.Project}/detail", a), FuzzApi.Compute, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "PUT /v2.1/os-quota-sets/{project}"), Nova(HttpMethod.Put, "os-quota-sets/" + o.Project, a, new { quota_set = new { instances = 1 } }), FuzzApi.Compute, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "DELETE /v2.1/os-quota-sets/{project}"), Nova(HttpMethod.Delete, "os-quota-sets/" + o.Project, a), FuzzApi.Compute, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "GET /v2.1/limits?tenant_id={project}"), Nova(HttpMethod.Get, "limits?tenant_id=" + o.Project, a), FuzzApi.Compute, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "GET /v3/{own}/os-quota-sets/{project}"), Cinder(HttpMethod.Get, "os-quota-sets/" + o.Project, a), FuzzApi.Volume, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "GET /v3/{own}/os-quota-sets/{project}?usage=True"), Cinder(HttpMethod.Get, $"os-quota-sets/{o.Project}?usage=True", a), FuzzApi.Volume, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "PUT /v3/{own}/os-quota-sets/{project}"), Cinder(HttpMethod.Put, "os-quota-sets/" + o.Project, a, new { quota_set = new { volumes = 1 } }), FuzzApi.Volume, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "DELETE /v3/{own}/os-quota-sets/{project}"), Cinder(HttpMethod.Delete, "os-quota-sets/" + o.Project, a), FuzzApi.Volume, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "GET /v2.0/quotas/{project}"), Neutron(HttpMethod.Get, "quotas/" + o.Project, a), FuzzApi.Network, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "GET /v2.0/quotas/{project}/details"), Neutron(HttpMethod.Get, $"quotas/{o.Project}/details", a), FuzzApi.Network, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "PUT /v2.0/quotas/{project}"), Neutron(HttpMethod.Put, "quotas/" + o.Project, a, new { quota = new { network = 1 } }), FuzzApi.Network, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "DELETE /v2.0/quotas/{project}"), Neutron(HttpMethod.Delete, "quotas/" + o.Project, a), FuzzApi.Network, Forbidden);
            await v.ExpectAsync(string.Format(null, who, "GET /v2.0/quotas (every project's)"), Neutron(HttpMethod.Get, "quotas", a), FuzzApi.Network, Forbidden);
            v.Same($"{Of(o, "quotas")} (as admin sees them)", before, await StateAsync());
        }

        v.AssertNone("quota sets");
    }

    // ---- networking -------------------------------------------------------------------------

    [Fact]
    public async Task NetworksSubnetsAndPorts_OfAnotherProject_CannotBeSeenChangedDeletedOrUsed()
    {
        var w = await gateway.WorldAsync();
        var v = new Verdicts();
        foreach (var (o, a) in Pairs(w))
        {
            async Task<string> StateAsync() =>
                "network " + Fields(await Neutron(HttpMethod.Get, "networks/" + o.Network, o), "network", "name", "description", "admin_state_up", "shared", "subnets", "tags")
                + " | pod " + await CopyAsync("networks", o.Network, "description", "admin_state_up", "shared")
                + " | subnet " + Fields(await Neutron(HttpMethod.Get, "subnets/" + o.Subnet, o), "subnet", "name", "gateway_ip", "allocation_pools", "dns_nameservers", "enable_dhcp", "tags")
                + " | pod " + await CopyAsync("subnets", o.Subnet, "gateway_ip", "allocation_pools", "dns_nameservers", "enable_dhcp")
                + " | port " + Fields(await Neutron(HttpMethod.Get, "ports/" + o.Port, o), "port", "name", "fixed_ips", "security_groups", "device_id", "admin_state_up", "mac_address")
                + " | ports on it " + (await Neutron(HttpMethod.Get, "ports?network_id=" + o.Network + "&fields=id", o)).Text.Length;
            var before = await StateAsync();
            var network = "networks/" + o.Network;
            var ofNetwork = $"{a} → {{0}} ({Of(o, "network")})";
            await v.ExpectAsync(string.Format(null, ofNetwork, "GET /networks/{id}"), Neutron(HttpMethod.Get, network, a), FuzzApi.Network, NotFound);
            foreach (var list in new[] { "networks", "networks?id=" + o.Network, "networks?name=net-10." + (o.Name == "demo" ? 81 : 82) + ".0.0/24", "networks?tenant_id=" + o.Project, "networks?shared=false" })
            {
                await v.NotListedAsync(string.Format(null, ofNetwork, "GET /" + list), Neutron(HttpMethod.Get, list, a), "networks", o.Network);
            }

            await v.ExpectAsync(string.Format(null, ofNetwork, "PUT /networks/{id}"), Neutron(HttpMethod.Put, network, a, new { network = new { description = "hijacked" } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofNetwork, "DELETE /networks/{id}"), Neutron(HttpMethod.Delete, network, a), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofNetwork, "GET /networks/{id}/tags"), Neutron(HttpMethod.Get, network + "/tags", a), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofNetwork, "PUT /networks/{id}/tags"), Neutron(HttpMethod.Put, network + "/tags", a, new { tags = new[] { "hijacked" } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofNetwork, "PUT /networks/{id}/tags/{tag}"), Neutron(HttpMethod.Put, network + "/tags/hijacked", a), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofNetwork, "POST /ports on it"), Neutron(HttpMethod.Post, "ports", a, new { port = new { network_id = o.Network, name = "iso-steal" } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofNetwork, "POST /subnets on it"), Neutron(HttpMethod.Post, "subnets", a, new { subnet = new { network_id = o.Network, ip_version = 4, cidr = "10.99.0.0/24" } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofNetwork, "POST /servers on it"), BootAsync(a, s => s["networks"] = new JsonArray(new JsonObject { ["uuid"] = o.Network })), FuzzApi.Compute, BadRequest);
            await v.ExpectAsync(string.Format(null, ofNetwork, "POST /servers/{own server}/os-interface with it"), Nova(HttpMethod.Post, $"servers/{a.Server}/os-interface", a, new { interfaceAttachment = new { net_id = o.Network } }), FuzzApi.Compute, NotFound);

            var subnet = "subnets/" + o.Subnet;
            var ofSubnet = $"{a} → {{0}} ({Of(o, "subnet")})";
            await v.ExpectAsync(string.Format(null, ofSubnet, "GET /subnets/{id}"), Neutron(HttpMethod.Get, subnet, a), FuzzApi.Network, NotFound);
            await v.NotListedAsync(string.Format(null, ofSubnet, "GET /subnets"), Neutron(HttpMethod.Get, "subnets", a), "subnets", o.Subnet);
            await v.NotListedAsync(string.Format(null, ofSubnet, "GET /subnets?network_id={its network}"), Neutron(HttpMethod.Get, "subnets?network_id=" + o.Network, a), "subnets", o.Subnet);
            await v.ExpectAsync(string.Format(null, ofSubnet, "PUT /subnets/{id}"), Neutron(HttpMethod.Put, subnet, a, new { subnet = new { dns_nameservers = new[] { "192.0.2.66" } } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofSubnet, "DELETE /subnets/{id}"), Neutron(HttpMethod.Delete, subnet, a), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofSubnet, "POST /ports on its own network with fixed_ips in it"), Neutron(HttpMethod.Post, "ports", a, new { port = new { network_id = a.Network, fixed_ips = new[] { new { subnet_id = o.Subnet } } } }), FuzzApi.Network, BadRequest, NotFound);
            await v.ExpectAsync(string.Format(null, ofSubnet, "PUT /ports/{own port} with fixed_ips in it"), Neutron(HttpMethod.Put, "ports/" + a.Port, a, new { port = new { fixed_ips = new[] { new { subnet_id = o.Subnet } } } }), FuzzApi.Network, BadRequest, NotFound);

            var port = "ports/" + o.Port;
            var ofPort = $"{a} → {{0}} ({Of(o, "port")})";
            await v.ExpectAsync(string.Format(null, ofPort, "GET /ports/{id}"), Neutron(HttpMethod.Get, port, a), FuzzApi.Network, NotFound);
            await v.NotListedAsync(string.Format(null, ofPort, "GET /ports"), Neutron(HttpMethod.Get, "ports", a), "ports", o.Port);
            await v.NotListedAsync(string.Format(null, ofPort, "GET /ports?network_id={its network}"), Neutron(HttpMethod.Get, "ports?network_id=" + o.Network, a), "ports", o.Port);
            await v.ExpectAsync(string.Format(null, ofPort, "PUT /ports/{id}"), Neutron(HttpMethod.Put, port, a, new { port = new { name = "hijacked", device_id = a.Server } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofPort, "DELETE /ports/{id}"), Neutron(HttpMethod.Delete, port, a), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, ofPort, "POST /servers with networks [{port}]"), BootAsync(a, s => s["networks"] = new JsonArray(new JsonObject { ["port"] = o.Port })), FuzzApi.Compute, BadRequest);
            await v.ExpectAsync(string.Format(null, ofPort, "POST /servers/{own server}/os-interface with port_id"), Nova(HttpMethod.Post, $"servers/{a.Server}/os-interface", a, new { interfaceAttachment = new { port_id = o.Port } }), FuzzApi.Compute, NotFound);
            v.Same($"{Of(o, "network, subnet and port")} (as {o} sees them, and the copies in RegionOne's Neutron)", before, await StateAsync());
        }

        v.AssertNone("networks, subnets and ports");
    }

    [Fact]
    public async Task SecurityGroupsAndRules_OfAnotherProject_CannotBeSeenChangedDeletedOrUsed()
    {
        var w = await gateway.WorldAsync();
        var v = new Verdicts();
        foreach (var (o, a) in Pairs(w))
        {
            async Task<string> StateAsync() =>
                "group " + Fields(await Neutron(HttpMethod.Get, "security-groups/" + o.Group, o), "security_group", "name", "description", "security_group_rules")
                + " | pod rules " + (await new NetworkSteps(gateway).BottomRulesAsync("RegionOne", o.Group)).Count
                + " | rule " + Fields(await Neutron(HttpMethod.Get, "security-group-rules/" + o.Rule, o), "security_group_rule", "direction", "protocol", "port_range_min", "remote_ip_prefix");
            var before = await StateAsync();
            var group = "security-groups/" + o.Group;
            var who = $"{a} → {{0}} ({Of(o, "security group")})";
            await v.ExpectAsync(string.Format(null, who, "GET /security-groups/{id}"), Neutron(HttpMethod.Get, group, a), FuzzApi.Network, NotFound);
            foreach (var list in new[] { "security-groups", "security-groups?name=" + o.GroupName, "security-groups?tenant_id=" + o.Project })
            {
                await v.NotListedAsync(string.Format(null, who, "GET /" + list), Neutron(HttpMethod.Get, list, a), "security_groups", o.Group);
            }

            await v.ExpectAsync(string.Format(null, who, "PUT /security-groups/{id}"), Neutron(HttpMethod.Put, group, a, new { security_group = new { description = "hijacked" } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, who, "DELETE /security-groups/{id}"), Neutron(HttpMethod.Delete, group, a), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /security-group-rules in it"), Neutron(HttpMethod.Post, "security-group-rules", a,
                new { security_group_rule = new { security_group_id = o.Group, direction = "ingress", protocol = "tcp", port_range_min = 1, port_range_max = 65535, remote_ip_prefix = "0.0.0.0/0" } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /security-group-rules in its own group with remote_group_id = it"), Neutron(HttpMethod.Post, "security-group-rules", a,
                new { security_group_rule = new { security_group_id = a.Group, direction = "ingress", remote_group_id = o.Group } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /ports on its own network with security_groups [it]"), Neutron(HttpMethod.Post, "ports", a, new { port = new { network_id = a.Network, security_groups = new[] { o.Group } } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, who, "PUT /ports/{own port} with security_groups [it]"), Neutron(HttpMethod.Put, "ports/" + a.Port, a, new { port = new { security_groups = new[] { o.Group } } }), FuzzApi.Network, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /servers with security_groups [{name: its name}]"), BootAsync(a, s =>
            {
                s["networks"] = new JsonArray(new JsonObject { ["uuid"] = a.Network });
                s["security_groups"] = new JsonArray(new JsonObject { ["name"] = o.GroupName });
            }), FuzzApi.Compute, BadRequest);
            await v.ExpectAsync(string.Format(null, who, "POST /servers/{own server}/action addSecurityGroup its name"), Nova(HttpMethod.Post, $"servers/{a.Server}/action", a, new { addSecurityGroup = new { name = o.GroupName } }), FuzzApi.Compute, BadRequest, NotFound);

            var rule = "security-group-rules/" + o.Rule;
            var ofRule = $"{a} → {{0}} ({Of(o, "security group rule")})";
            await v.ExpectAsync(string.Format(null, ofRule, "GET /security-group-rules/{id}"), Neutron(HttpMethod.Get, rule, a), FuzzApi.Network, NotFound);
            await v.NotListedAsync(string.Format(null, ofRule, "GET /security-group-rules"), Neutron(HttpMethod.Get, "security-group-rules", a), "security_group_rules", o.Rule);
            await v.NotListedAsync(string.Format(null, ofRule, "GET /security-group-rules?security_group_id={its group}"), Neutron(HttpMethod.Get, "security-group-rules?security_group_id=" + o.Group, a), "security_group_rules", o.Rule);
            await v.ExpectAsync(string.Format(null, ofRule, "DELETE /security-group-rules/{id}"), Neutron(HttpMethod.Delete, rule, a), FuzzApi.Network, NotFound);
            v.Same($"{Of(o, "security group and its rules")} (as {o} sees them, and the copy in RegionOne's Neutron)", before, await StateAsync());
        }

        v.AssertNone("security groups and rules");
    }

    // ---- images --------------------------------------------------------------------------------

    [Fact]
    public async Task PrivateImages_OfAnotherProject_CannotBeSeenChangedDeletedSharedOrBootedFrom()
    {
        var w = await gateway.WorldAsync();
        var v = new Verdicts();
        foreach (var (o, a) in Pairs(w))
        {
            async Task<string> StateAsync() =>
                Fields(await Glance(HttpMethod.Get, "v2/images/" + o.Image, o), "", "name", "status", "visibility", "tags", "protected")
                + " | members " + (await Glance(HttpMethod.Get, $"v2/images/{o.Image}/members", o)).Text;
            var before = await StateAsync();
            var image = "v2/images/" + o.Image;
            var who = $"{a} → {{0}} ({Of(o, "private image")})";
            await v.ExpectAsync(string.Format(null, who, "GET /v2/images/{id}"), Glance(HttpMethod.Get, image, a), FuzzApi.Image, NotFound);
            await v.NotListedAsync(string.Format(null, who, "GET /v2/images"), Glance(HttpMethod.Get, "v2/images", a), "images", o.Image);
            await v.NotListedAsync(string.Format(null, who, "GET /v2/images?visibility=private"), Glance(HttpMethod.Get, "v2/images?visibility=private", a), "images", o.Image);
            await v.NotListedAsync(string.Format(null, who, "GET /v2/images?owner={its project}"), Glance(HttpMethod.Get, "v2/images?owner=" + o.Project, a), "images", o.Image);
            await v.ExpectAsync(string.Format(null, who, "GET /v2/images/{id}/file"), Glance(HttpMethod.Get, image + "/file", a), FuzzApi.Image, NotFound);
            await v.ExpectAsync(string.Format(null, who, "PATCH /v2/images/{id}"), Glance(HttpMethod.Patch, image, a, """[{"op":"replace","path":"/name","value":"hijacked"}]""", "application/openstack-images-v2.1-json-patch"), FuzzApi.Image, NotFound);
            await v.ExpectAsync(string.Format(null, who, "DELETE /v2/images/{id}"), Glance(HttpMethod.Delete, image, a), FuzzApi.Image, NotFound);
            await v.ExpectAsync(string.Format(null, who, "PUT /v2/images/{id}/tags/{tag}"), Glance(HttpMethod.Put, image + "/tags/hijacked", a), FuzzApi.Image, NotFound);
            await v.ExpectAsync(string.Format(null, who, "GET /v2/images/{id}/members"), Glance(HttpMethod.Get, image + "/members", a), FuzzApi.Image, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /v2/images/{id}/members sharing it with itself"), Glance(HttpMethod.Post, image + "/members", a, Json(new { member = a.Project })), FuzzApi.Image, NotFound);
            await v.ExpectAsync(string.Format(null, who, "POST /servers with imageRef = it"), BootAsync(a, s => s["imageRef"] = o.Image), FuzzApi.Compute, BadRequest);
            await v.ExpectAsync(string.Format(null, who, "POST /volumes with imageRef = it"), Cinder(HttpMethod.Post, "volumes", a, new { volume = new { size = 1, imageRef = o.Image, availability_zone = "az1", name = "iso-steal" } }), FuzzApi.Volume, BadRequest, NotFound);
            await v.ExpectAsync(string.Format(null, who, "GET /v2.1/images/{id} (Nova's image proxy)"), Nova(HttpMethod.Get, "images/" + o.Image, a), FuzzApi.Compute, NotFound);
            await v.NotListedAsync(string.Format(null, who, "GET /v2.1/images/detail"), Nova(HttpMethod.Get, "images/detail", a), "images", o.Image);
            v.Same($"{Of(o, "private image")} (as {o} sees it)", before, await StateAsync());
        }

        v.AssertNone("private images");
    }

    // ---- the Admin API ---------------------------------------------------------------------------

    [Fact]
    public async Task TheAdminApi_IsClosedToMembers_ItsResourcesUnchanged()
    {
        var w = await gateway.WorldAsync();
        var v = new Verdicts();
        var admin = gateway.AdminToken;
        var pods = (await Admin(HttpMethod.Get, "pods", admin)).Json.GetProperty("pods").EnumerateArray().ToList();
        var regionOne = pods.First(p => p.GetProperty("region_name").GetString() == "RegionOne").GetProperty("pod_id").GetString()!;
        var binding = (await Admin(HttpMethod.Get, "bindings", admin)).Json.GetProperty("pod_bindings").EnumerateArray().First().GetProperty("id").ToString();
        var routing = (await Admin(HttpMethod.Get, "routings?top_id=" + w.Demo.Server + "&all_projects=true", admin)).Json.GetProperty("routings").EnumerateArray().First().GetProperty("id").ToString();
        var job = (await Admin(HttpMethod.Post, "jobs", admin, new { job = new { type = "pod_audit", resource = new { pod_id = regionOne } } })).Json.GetProperty("job").GetProperty("id").GetString()!;

        async Task<string> StateAsync() =>
            "pods " + Canonical((await Admin(HttpMethod.Get, "pods", admin)).Json)
            + " | binding " + (await Admin(HttpMethod.Get, "bindings/" + binding, admin)).Text
            + " | routing " + (await Admin(HttpMethod.Get, "routings/" + routing, admin)).Text
            + " | job exists " + (int)(await Admin(HttpMethod.Get, "jobs/" + job, admin)).Status;
        var before = await StateAsync();
        foreach (var member in new[] { w.Demo, w.AltDemo })
        {
            var t = member.Token;
            var calls = new (string What, Func<Task<ApiResponse>> Call)[]
            {
                ("GET /v1.0/pods", () => Admin(HttpMethod.Get, "pods", t)),
                ("GET /v1.0/pods/{RegionOne}", () => Admin(HttpMethod.Get, "pods/" + regionOne, t)),
                ("POST /v1.0/pods", () => Admin(HttpMethod.Post, "pods", t, new { pod = new { region_name = "Planted", az_name = "az9" } })),
                ("PUT /v1.0/pods/{RegionOne} disabled", () => Admin(HttpMethod.Put, "pods/" + regionOne, t, new { pod = new { disabled = true } })),
                ("DELETE /v1.0/pods/{RegionOne}", () => Admin(HttpMethod.Delete, "pods/" + regionOne, t)),
                ("GET /v1.0/bindings", () => Admin(HttpMethod.Get, "bindings", t)),
                ("GET /v1.0/bindings/{id}", () => Admin(HttpMethod.Get, "bindings/" + binding, t)),
                ("POST /v1.0/bindings", () => Admin(HttpMethod.Post, "bindings", t, new { pod_binding = new { tenant_id = member.Project, pod_id = regionOne } })),
                ("PUT /v1.0/bindings/{id}", () => Admin(HttpMethod.Put, "bindings/" + binding, t, new { pod_binding = new { is_binding = false } })),
                ("DELETE /v1.0/bindings/{id}", () => Admin(HttpMethod.Delete, "bindings/" + binding, t)),
                ("GET /v1.0/routings", () => Admin(HttpMethod.Get, "routings", t)),
                ("GET /v1.0/routings?project_id={the other tenant}", () => Admin(HttpMethod.Get, "routings?project_id=" + (member == w.Demo ? w.AltDemo : w.Demo).Project, t)),
                ("GET /v1.0/routings/{id}", () => Admin(HttpMethod.Get, "routings/" + routing, t)),
                ("POST /v1.0/routings", () => Admin(HttpMethod.Post, "routings", t, new { routing = new { top_id = "planted", bottom_id = "planted", pod_id = regionOne, project_id = member.Project, resource_type = "server" } })),
                ("PUT /v1.0/routings/{id}", () => Admin(HttpMethod.Put, "routings/" + routing, t, new { routing = new { bottom_id = "hijacked" } })),
                ("DELETE /v1.0/routings/{id}", () => Admin(HttpMethod.Delete, "routings/" + routing, t)),
                ("GET /v1.0/jobs", () => Admin(HttpMethod.Get, "jobs", t)),
                ("GET /v1.0/jobs/{id}", () => Admin(HttpMethod.Get, "jobs/" + job, t)),
                ("POST /v1.0/jobs", () => Admin(HttpMethod.Post, "jobs", t, new { job = new { type = "pod_audit", resource = new { pod_id = regionOne } } })),
                ("PUT /v1.0/jobs/{id} (redo)", () => Admin(HttpMethod.Put, "jobs/" + job, t)),
                ("DELETE /v1.0/jobs/{id}", () => Admin(HttpMethod.Delete, "jobs/" + job, t)),
            };
            foreach (var (what, call) in calls)
            {
                await v.ExpectAsync($"{member} (a member) → {what}", call(), FuzzApi.Admin, Forbidden);
            }
        }

        v.Same("the Admin API's pods, binding, routing and job (as admin sees them)", before, await StateAsync());
        v.AssertNone("the Admin API");
    }
}

public sealed class SqliteTenantIsolationTests(SqliteIsolationGatewayFixture gateway) : TenantIsolationTests(gateway), IClassFixture<SqliteIsolationGatewayFixture>;

public sealed class PostgresTenantIsolationTests(PostgresIsolationGatewayFixture gateway) : TenantIsolationTests(gateway), IClassFixture<PostgresIsolationGatewayFixture>;
