using static Tricircle.Hardening.Fuzz.Rules;

namespace Tricircle.Hardening.Fuzz;

/// <summary>
/// Every operation the central region serves (the <c>*Api.cs</c> files and the README), each with
/// a valid request and, for the fields whose rules are certain, what OpenStack's schemas accept
/// (Nova's jsonschema, Cinder's validators and schemas, Neutron's attribute maps). Ids come from
/// <see cref="FuzzWorld"/>: <c>{server}</c> in paths, <c>$server$</c> in bodies.
/// </summary>
internal static class FuzzCatalogue
{
    private const string NovaMv = "2.60";
    private const string CinderMv = "3.59";

    private static readonly string[] NovaServerList = ["limit", "marker", "sort_key", "sort_dir", "name", "status", "all_tenants", "changes-since", "ip", "flavor", "image", "deleted", "tags", "host", "availability_zone", "reservation_id"];
    private static readonly string[] CinderList = ["limit", "marker", "sort", "sort_key", "sort_dir", "name", "status", "all_tenants", "offset", "with_count", "metadata", "availability_zone", "bootable"];
    private static readonly string[] NeutronList = ["fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse", "id", "name", "tenant_id", "project_id", "tags", "tags-any", "not-tags", "not-tags-any", "description", "revision_number"];
    private static readonly string[] GlanceList = ["limit", "marker", "sort_key", "sort_dir", "sort", "name", "visibility", "status", "owner", "tag", "member_status", "size_min", "size_max", "os_hidden", "protected", "disk_format", "container_format"];

    public static IReadOnlyList<FuzzRoute> All { get; } = [.. Admin(), .. Compute(), .. Volume(), .. Image(), .. Network()];

    private static FuzzRoute Get(FuzzApi api, string path, params string[] query) => new(api, "GET", path) { Query = query };

    private static FuzzRoute Delete(FuzzApi api, string path) => new(api, "DELETE", path);

    private static FuzzRoute Send(FuzzApi api, string method, string path, string body, string? wrapper, params (string Path, FieldRule Rule)[] rules) =>
        new(api, method, path) { Body = body, Wrapper = wrapper, Rules = rules.ToDictionary(r => r.Path, r => r.Rule, StringComparer.Ordinal) };

    private static IEnumerable<FuzzRoute> Admin()
    {
        const FuzzApi a = FuzzApi.Admin;
        FuzzRoute[] routes =
        [
            Get(a, "/"),
            Get(a, "/v1.0"),
            Get(a, "/v1.0/pods", "region_name", "az_name", "pod_az_name", "dc_name"),
            Send(a, "POST", "/v1.0/pods", """{"pod":{"region_name":"FuzzRegionNew","az_name":"azfuzz2","pod_az_name":"azfuzz2","dc_name":"dc-fuzz","disabled":true,"disabled_reason":"fuzz"}}""", "pod",
                ("pod.region_name", Str(1)), ("pod.az_name", Str(0, 255, true)), ("pod.pod_az_name", Str(0, 255, true)), ("pod.dc_name", Str(0, 255, true)),
                ("pod.disabled", Bool(BoolStyle.Strict)), ("pod.disabled_reason", Str(0, 255, true))) with { StrictKeys = true },
            Get(a, "/v1.0/pods/{pod}"),
            Send(a, "PUT", "/v1.0/pods/{pod}", """{"pod":{"pod_az_name":"azfuzz","dc_name":"dc-fuzz2","disabled":true,"disabled_reason":"fuzz"}}""", "pod",
                ("pod.pod_az_name", Str(0)), ("pod.dc_name", Str(0)), ("pod.disabled", Bool(BoolStyle.Strict)), ("pod.disabled_reason", Str(0, 255, true))) with { StrictKeys = true },
            Delete(a, "/v1.0/pods/{pod}"),
            Get(a, "/v1.0/bindings", "tenant_id", "pod_id", "is_binding"),
            Send(a, "POST", "/v1.0/bindings", """{"pod_binding":{"tenant_id":"$spare$","pod_id":"$pod$"}}""", "pod_binding",
                ("pod_binding.tenant_id", Str(1, 36)), ("pod_binding.pod_id", Str(1, 36))) with { StrictKeys = true },
            Get(a, "/v1.0/bindings/{binding}"),
            Send(a, "PUT", "/v1.0/bindings/{binding}", """{"pod_binding":{"is_binding":true}}""", "pod_binding", ("pod_binding.is_binding", Bool(BoolStyle.Strict))) with { StrictKeys = true },
            Delete(a, "/v1.0/bindings/{binding}"),
            Get(a, "/v1.0/routings", "id", "top_id", "bottom_id", "pod_id", "project_id", "resource_type", "created_at", "updated_at", "limit", "marker", "all_projects"),
            Send(a, "POST", "/v1.0/routings", """{"routing":{"top_id":"fuzz-top-new","bottom_id":"fuzz-bottom-new","pod_id":"$pod$","project_id":"$spare$","resource_type":"network"}}""", "routing",
                ("routing.top_id", Str(1, 127)), ("routing.bottom_id", Str(1, 36)), ("routing.pod_id", Str(1, 36)), ("routing.project_id", Str(1, 36)), ("routing.resource_type", Str(1, 64))) with { StrictKeys = true },
            Get(a, "/v1.0/routings/{routing}"),
            Send(a, "PUT", "/v1.0/routings/{routing}", """{"routing":{"bottom_id":"fuzz-bottom"}}""", "routing", ("routing.bottom_id", Str(1, 36))) with { StrictKeys = true },
            Delete(a, "/v1.0/routings/{routing}"),
            Get(a, "/v1.0/jobs", "type", "status", "project_id", "pod_id", "resource_id", "limit", "marker"),
            Get(a, "/v1.0/jobs/detail", "type", "status", "project_id", "pod_id", "resource_id", "limit", "marker"),
            Get(a, "/v1.0/jobs/schemas"),
            Get(a, "/v1.0/status"),
            Send(a, "POST", "/v1.0/flavors/import", """{"import":{"pod":"$pod$"}}""", "import") with { StrictKeys = true },
            Send(a, "POST", "/v1.0/jobs", """{"job":{"type":"pod_audit","project_id":"$spare$","resource":{"pod_id":"$pod$"}}}""", "job",
                ("job.type", Str(1, 64)), ("job.project_id", Str(0, 64, true)), ("job.resource", ObjectShape), ("job.resource.pod_id", Str(1))) with { StrictKeys = true },
            Get(a, "/v1.0/jobs/{job}"),
            new FuzzRoute(a, "PUT", "/v1.0/jobs/{job}") { Body = "{}", BodyIgnored = true },
            Delete(a, "/v1.0/jobs/{job}"),
        ];
        return routes.Select(r => r.Path.StartsWith("/v1.0/", StringComparison.Ordinal) ? r with { AdminOnly = true } : r);
    }

    private static IEnumerable<FuzzRoute> Compute()
    {
        const FuzzApi c = FuzzApi.Compute;
        var boot = Send(c, "POST", "/v2.1/servers",
            """{"server":{"name":"fuzz-vm","flavorRef":"1","imageRef":"$image$","availability_zone":"az1","networks":[{"uuid":"$network$"}],"security_groups":[{"name":"default"}],"key_name":"$keypair$","metadata":{"role":"fuzz"},"user_data":"IyEvYmluL3NoCg==","accessIPv4":"192.0.2.10","accessIPv6":"2001:db8::10","adminPass":"s3cret","min_count":1,"max_count":1,"description":"fuzz"}}""",
            "server",
            ("server.name", Str(1)), ("server.flavorRef", new FlavorRefRule()), ("server.availability_zone", Str(1)),
            ("server.networks", new ShapeRule(System.Text.Json.JsonValueKind.Array, OrStrings: ["none", "auto"])), ("server.security_groups", ListShape), ("server.security_groups[].name", Str(1, int.MaxValue)),
            ("server.key_name", Str(1)), ("server.metadata", ObjectShape), ("server.metadata.*", Str(0)), ("server.accessIPv4", Ipv4), ("server.accessIPv6", Ipv6),
            ("server.adminPass", Str(0, int.MaxValue)), ("server.min_count", Int(1, null)), ("server.max_count", Int(1, null)), ("server.description", Str(0, 255, true)),
            ("server.user_data", Str(0, 65535, true)), ("server.networks[].uuid", Str(1, int.MaxValue))) with
        { StrictKeys = true, Microversion = NovaMv };
        FuzzRoute[] routes =
        [
            Get(c, "/") with { Anonymous = true },
            Get(c, "/v2.1") with { Anonymous = true },
            boot,
            Get(c, "/v2.1/servers", NovaServerList),
            Get(c, "/v2.1/servers/detail", NovaServerList),
            Get(c, "/v2.1/servers/{server}"),
            Send(c, "PUT", "/v2.1/servers/{server}", """{"server":{"name":"fuzz-vm-1","description":"fuzz","accessIPv4":"192.0.2.11"}}""", "server",
                ("server.name", Str(1)), ("server.description", Str(0, 255, true)), ("server.accessIPv4", Ipv4)) with { StrictKeys = true, Forwarded = true },
            Delete(c, "/v2.1/servers/{server}"),
            Action(c, "/v2.1/servers/{server}/action", "os-getConsoleOutput", """{"os-getConsoleOutput":{"length":50}}""", ("os-getConsoleOutput.length", Int(-1, null, nullable: true))),
            Action(c, "/v2.1/servers/{server}/action", "addSecurityGroup", """{"addSecurityGroup":{"name":"$groupname$"}}""", ("addSecurityGroup.name", Str(1))),
            Action(c, "/v2.1/servers/{server}/action", "changePassword", """{"changePassword":{"adminPass":"n3w-pass"}}""", ("changePassword.adminPass", Str(0, int.MaxValue))),
            Action(c, "/v2.1/servers/{server}/action", "reboot", """{"reboot":{"type":"SOFT"}}""", ("reboot.type", OneOf("SOFT", "HARD", "soft", "hard"))),
            Action(c, "/v2.1/servers/{server}/action", "os-getVNCConsole", """{"os-getVNCConsole":{"type":"novnc"}}""", ("os-getVNCConsole.type", OneOf("novnc", "xvpvnc"))),
            Action(c, "/v2.1/servers/{server}/action", "os-resetState", """{"os-resetState":{"state":"active"}}""", ("os-resetState.state", OneOf("active", "error"))) with { AdminOnly = true },
            Get(c, "/v2.1/servers/{server}/ips"),
            Get(c, "/v2.1/servers/{server}/ips/{netlabel}"),
            Get(c, "/v2.1/servers/{server}/metadata"),
            Send(c, "PUT", "/v2.1/servers/{server}/metadata", """{"metadata":{"fuzzkey":"v"}}""", "metadata", ("metadata", ObjectShape), ("metadata.*", Str(0))) with { Forwarded = true },
            Send(c, "POST", "/v2.1/servers/{server}/metadata", """{"metadata":{"fuzzkey":"v"}}""", "metadata", ("metadata", ObjectShape), ("metadata.*", Str(0))) with { Forwarded = true },
            Get(c, "/v2.1/servers/{server}/metadata/{key}"),
            Send(c, "PUT", "/v2.1/servers/{server}/metadata/{key}", """{"meta":{"fuzzkey":"v2"}}""", "meta", ("meta", ObjectShape), ("meta.*", Str(0))) with { Forwarded = true },
            Delete(c, "/v2.1/servers/{server}/metadata/{key}"),
            Get(c, "/v2.1/servers/{server}/os-interface"),
            Get(c, "/v2.1/servers/{server}/os-interface/{port}"),
            Send(c, "POST", "/v2.1/servers/{server}/os-interface", """{"interfaceAttachment":{"net_id":"$network$"}}""", "interfaceAttachment") with { Forwarded = true },
            Get(c, "/v2.1/servers/{server}/os-volume_attachments"),
            Get(c, "/v2.1/servers/{server}/os-volume_attachments/{volume2}"),
            Send(c, "POST", "/v2.1/servers/{server}/os-volume_attachments", """{"volumeAttachment":{"volumeId":"$volume2$","device":"/dev/vdb"}}""", "volumeAttachment",
                ("volumeAttachment.volumeId", Str(1, int.MaxValue)), ("volumeAttachment.device", Str(0, 255, true))) with { Forwarded = true },
            Delete(c, "/v2.1/servers/{server}/os-volume_attachments/{volume2}"),
            Get(c, "/v2.1/servers/{server}/os-instance-actions"),
            Get(c, "/v2.1/servers/{server}/tags"),
            Send(c, "PUT", "/v2.1/servers/{server}/tags", """{"tags":["fuzz"]}""", null, ("tags", ListShape), ("tags[]", Str(1, 60))) with { Forwarded = true },
            new FuzzRoute(c, "PUT", "/v2.1/servers/{server}/tags/{tag}"),
            Delete(c, "/v2.1/servers/{server}/tags/{tag}"),
            Get(c, "/v2.1/servers/{server}/os-server-password"),
            Get(c, "/v2.1/servers/{server}/os-security-groups"),
            Get(c, "/v2.1/servers/{server}/diagnostics") with { AdminOnly = true },

            Get(c, "/v2.1/flavors", "minRam", "minDisk", "limit", "marker", "sort_key", "sort_dir", "is_public"),
            Get(c, "/v2.1/flavors/detail", "minRam", "minDisk", "limit", "marker", "sort_key", "sort_dir", "is_public"),
            Send(c, "POST", "/v2.1/flavors", """{"flavor":{"name":"fuzz-flavor-new","ram":64,"vcpus":1,"disk":1,"OS-FLV-EXT-DATA:ephemeral":0,"swap":0,"rxtx_factor":1.0,"os-flavor-access:is_public":false,"description":"fuzz"}}""", "flavor",
                ("flavor.name", Str(1)), ("flavor.ram", Int(1)), ("flavor.vcpus", Int(1)), ("flavor.disk", Int(0)), ("flavor.OS-FLV-EXT-DATA:ephemeral", Int(0)), ("flavor.swap", Int(0)),
                ("flavor.os-flavor-access:is_public", Bool(BoolStyle.Nova)), ("flavor.description", Str(0, 65535, true))) with { StrictKeys = true, AdminOnly = true },
            Get(c, "/v2.1/flavors/{flavor}"),
            Send(c, "PUT", "/v2.1/flavors/{flavor}", """{"flavor":{"description":"fuzz"}}""", "flavor", ("flavor.description", Str(0, 65535, true))) with { StrictKeys = true, AdminOnly = true },
            Delete(c, "/v2.1/flavors/{flavor}"),
            Get(c, "/v2.1/flavors/{flavor}/os-extra_specs"),
            Send(c, "POST", "/v2.1/flavors/{flavor}/os-extra_specs", """{"extra_specs":{"fuzz:key":"v"}}""", "extra_specs", ("extra_specs", ObjectShape), ("extra_specs.*", new ScalarRule(255))) with { AdminOnly = true },
            Get(c, "/v2.1/flavors/{flavor}/os-extra_specs/{speckey}"),
            Send(c, "PUT", "/v2.1/flavors/{flavor}/os-extra_specs/{speckey}", """{"fuzz:key":"v2"}""", null, ("fuzz:key", new ScalarRule(255))) with { AdminOnly = true },
            Delete(c, "/v2.1/flavors/{flavor}/os-extra_specs/{speckey}"),
            Get(c, "/v2.1/flavors/{flavor}/os-flavor-access") with { AdminOnly = true },
            Action(c, "/v2.1/flavors/{flavor}/action", "addTenantAccess", """{"addTenantAccess":{"tenant":"$spare$"}}""", ("addTenantAccess.tenant", Str(1))) with { AdminOnly = true, Forwarded = false },
            Action(c, "/v2.1/flavors/{flavor}/action", "removeTenantAccess", """{"removeTenantAccess":{"tenant":"$spare$"}}""", ("removeTenantAccess.tenant", Str(1))) with { AdminOnly = true, Forwarded = false },

            Get(c, "/v2.1/os-server-groups", "all_projects", "limit", "offset"),
            Get(c, "/v2.1/os-migrations", "instance_uuid", "status", "host", "migration_type") with { AdminOnly = true },
            Get(c, "/v2.1/os-keypairs", "user_id", "limit", "marker"),
            Send(c, "POST", "/v2.1/os-keypairs", """{"keypair":{"name":"fuzz-kp-new","type":"ssh","public_key":"$pubkey$"}}""", "keypair",
                ("keypair.name", Str(1)), ("keypair.type", OneOf("ssh", "x509")), ("keypair.public_key", Str(0, int.MaxValue))) with { StrictKeys = true, Microversion = NovaMv },
            Get(c, "/v2.1/os-keypairs/{keypair}", "user_id"),
            Delete(c, "/v2.1/os-keypairs/{keypair}"),

            Get(c, "/v2.1/os-availability-zone"),
            Get(c, "/v2.1/os-availability-zone/detail") with { AdminOnly = true },
            Get(c, "/v2.1/os-aggregates") with { AdminOnly = true },
            Get(c, "/v2.1/os-aggregates/{aggregate}") with { AdminOnly = true },
            Send(c, "POST", "/v2.1/os-aggregates", """{"aggregate":{"name":"fuzz-agg","availability_zone":"azfuzz"}}""", "aggregate") with { AdminOnly = true },
            Send(c, "PUT", "/v2.1/os-aggregates/{aggregate}", """{"aggregate":{"name":"fuzz-agg"}}""", "aggregate") with { AdminOnly = true },
            Delete(c, "/v2.1/os-aggregates/{aggregate}"),
            Action(c, "/v2.1/os-aggregates/{aggregate}/action", "add_host", """{"add_host":{"host":"fuzz-host"}}""") with { AdminOnly = true, Forwarded = false },

            Get(c, "/v2.1/os-quota-sets/{project}", "user_id"),
            Get(c, "/v2.1/os-quota-sets/{project}/detail"),
            Get(c, "/v2.1/os-quota-sets/{project}/defaults"),
            Send(c, "PUT", "/v2.1/os-quota-sets/{spare}", """{"quota_set":{"instances":10,"cores":20,"ram":51200,"metadata_items":128,"key_pairs":100,"server_groups":10,"server_group_members":10,"force":false}}""", "quota_set",
                ("quota_set.instances", Int(-1)), ("quota_set.cores", Int(-1)), ("quota_set.ram", Int(-1)), ("quota_set.metadata_items", Int(-1)), ("quota_set.key_pairs", Int(-1)),
                ("quota_set.server_groups", Int(-1)), ("quota_set.server_group_members", Int(-1)), ("quota_set.force", Bool(BoolStyle.Nova))) with { StrictKeys = true, AdminOnly = true },
            Delete(c, "/v2.1/os-quota-sets/{spare}"),
            Get(c, "/v2.1/os-quota-class-sets/fuzz") with { AdminOnly = true },
            Send(c, "PUT", "/v2.1/os-quota-class-sets/fuzz", """{"quota_class_set":{"instances":10,"cores":20,"ram":51200,"metadata_items":128,"key_pairs":100,"server_groups":10,"server_group_members":10}}""", "quota_class_set",
                ("quota_class_set.instances", Int(-1)), ("quota_class_set.cores", Int(-1)), ("quota_class_set.ram", Int(-1)), ("quota_class_set.metadata_items", Int(-1)), ("quota_class_set.key_pairs", Int(-1)),
                ("quota_class_set.server_groups", Int(-1)), ("quota_class_set.server_group_members", Int(-1))) with { StrictKeys = true, AdminOnly = true },
            Get(c, "/v2.1/limits", "tenant_id", "reserved"),

            Get(c, "/v2.1/images", "name", "status", "limit", "marker", "minRam", "minDisk", "server", "type", "changes-since"),
            Get(c, "/v2.1/images/detail", "name", "status", "limit", "marker", "minRam", "minDisk", "server", "type", "changes-since"),
            Get(c, "/v2.1/images/{image}"),
        ];
        return routes.Select(r => r.Microversion is null && r.Path != "/" && r.Path != "/v2.1" ? r with { Microversion = NovaMv } : r);
    }

    private static FuzzRoute Action(FuzzApi api, string path, string action, string body, params (string Path, FieldRule Rule)[] rules) =>
        Send(api, "POST", path, body, action, rules) with { Variant = action, Forwarded = true };

    private static IEnumerable<FuzzRoute> Volume()
    {
        const FuzzApi v = FuzzApi.Volume;
        (string, FieldRule)[] metadata = [("metadata", ObjectShape), ("metadata.*", Str(0))];
        FuzzRoute[] routes =
        [
            Get(v, "/") with { Anonymous = true },
            Get(v, "/v3") with { Anonymous = true },
            Send(v, "POST", "/v3/{project}/volumes", """{"volume":{"size":1,"name":"fuzz-vol-new","description":"fuzz","availability_zone":"az1","volume_type":"$typename$","metadata":{"k":"v"},"multiattach":false}}""", "volume",
                ("volume.size", Int(1)), ("volume.name", Str(0, 255, true)), ("volume.description", Str(0, 255, true)), ("volume.metadata", new ShapeRule(System.Text.Json.JsonValueKind.Object, Nullable: true)),
                ("volume.metadata.*", Str(0)), ("volume.multiattach", Bool(BoolStyle.Cinder))) with { StrictKeys = true }, // multiattach null: the schema allows it, but get_bool_param then refuses 'None' (400)
            Get(v, "/v3/{project}/volumes", CinderList),
            Get(v, "/v3/{project}/volumes/detail", CinderList),
            Get(v, "/v3/{project}/volumes/{volume}"),
            Send(v, "PUT", "/v3/{project}/volumes/{volume}", """{"volume":{"name":"fuzz-vol","description":"fuzz","metadata":{"k":"v"}}}""", "volume",
                ("volume.name", Str(0, 255, true)), ("volume.description", Str(0, 255, true)), ("volume.metadata", ObjectShape), ("volume.metadata.*", Str(0))) with { Forwarded = true, StrictKeys = true },
            Delete(v, "/v3/{project}/volumes/{volume}"),
            Action(v, "/v3/{project}/volumes/{volume}/action", "os-extend", """{"os-extend":{"new_size":2}}""", ("os-extend.new_size", Int(1))),
            Action(v, "/v3/{project}/volumes/{volume}/action", "os-set_bootable", """{"os-set_bootable":{"bootable":true}}""", ("os-set_bootable.bootable", Bool(BoolStyle.Cinder))),
            Action(v, "/v3/{project}/volumes/{volume}/action", "os-update_readonly_flag", """{"os-update_readonly_flag":{"readonly":false}}""", ("os-update_readonly_flag.readonly", Bool(BoolStyle.Cinder))),
            Action(v, "/v3/{project}/volumes/{volume2}/action", "os-reset_status", """{"os-reset_status":{"status":"available"}}""") with { AdminOnly = true },
            Action(v, "/v3/{project}/volumes/{volume2}/action", "os-attach", """{"os-attach":{"instance_uuid":"$server$","mountpoint":"/dev/vdc"}}"""),
            Action(v, "/v3/{project}/volumes/{volume2}/action", "os-detach", """{"os-detach":{"attachment_id":"$unknown$"}}""", ("os-detach", new ShapeRule(System.Text.Json.JsonValueKind.Object, Nullable: true))),
            Get(v, "/v3/{project}/volumes/{volume}/metadata"),
            Send(v, "POST", "/v3/{project}/volumes/{volume}/metadata", """{"metadata":{"fuzzkey":"v"}}""", "metadata", metadata) with { Forwarded = true },
            Send(v, "PUT", "/v3/{project}/volumes/{volume}/metadata", """{"metadata":{"fuzzkey":"v"}}""", "metadata", metadata) with { Forwarded = true },
            Get(v, "/v3/{project}/volumes/{volume}/metadata/{key}"),
            Send(v, "PUT", "/v3/{project}/volumes/{volume}/metadata/{key}", """{"meta":{"fuzzkey":"v2"}}""", "meta", ("meta", ObjectShape), ("meta.*", Str(0))) with { Forwarded = true },
            Delete(v, "/v3/{project}/volumes/{volume}/metadata/{key}"),

            Send(v, "POST", "/v3/{project}/snapshots", """{"snapshot":{"volume_id":"$volume$","name":"fuzz-snap-new","description":"fuzz","force":false,"metadata":{"k":"v"}}}""", "snapshot",
                ("snapshot.name", Str(0, 255, true)), ("snapshot.description", Str(0, 255, true)), ("snapshot.force", Bool(BoolStyle.Cinder)),
                ("snapshot.metadata", new ShapeRule(System.Text.Json.JsonValueKind.Object, Nullable: true)), ("snapshot.metadata.*", Str(0))) with { StrictKeys = true },
            Get(v, "/v3/{project}/snapshots", [.. CinderList, "volume_id"]),
            Get(v, "/v3/{project}/snapshots/detail", [.. CinderList, "volume_id"]),
            Get(v, "/v3/{project}/snapshots/{snapshot}"),
            Send(v, "PUT", "/v3/{project}/snapshots/{snapshot}", """{"snapshot":{"name":"fuzz-snap","description":"fuzz"}}""", "snapshot",
                ("snapshot.name", Str(0, 255, true)), ("snapshot.description", Str(0, 255, true))) with { Forwarded = true, StrictKeys = true },
            Delete(v, "/v3/{project}/snapshots/{snapshot}"),
            Get(v, "/v3/{project}/snapshots/{snapshot}/metadata"),
            Send(v, "POST", "/v3/{project}/snapshots/{snapshot}/metadata", """{"metadata":{"fuzzkey":"v"}}""", "metadata", metadata) with { Forwarded = true },
            Send(v, "PUT", "/v3/{project}/snapshots/{snapshot}/metadata", """{"metadata":{"fuzzkey":"v"}}""", "metadata", metadata) with { Forwarded = true },
            Get(v, "/v3/{project}/snapshots/{snapshot}/metadata/{key}"),
            Send(v, "PUT", "/v3/{project}/snapshots/{snapshot}/metadata/{key}", """{"meta":{"fuzzkey":"v2"}}""", "meta", ("meta", ObjectShape), ("meta.*", Str(0))) with { Forwarded = true },
            Delete(v, "/v3/{project}/snapshots/{snapshot}/metadata/{key}"),
            Action(v, "/v3/{project}/snapshots/{snapshot}/action", "os-reset_status", """{"os-reset_status":{"status":"available"}}""") with { AdminOnly = true },

            Get(v, "/v3/{project}/types", "is_public", "limit", "marker", "sort_key", "sort_dir"),
            Send(v, "POST", "/v3/{project}/types", """{"volume_type":{"name":"fuzz-type-new","description":"fuzz","os-volume-type-access:is_public":true,"extra_specs":{"fuzz_key":"v"}}}""", "volume_type",
                ("volume_type.name", Str(1)), ("volume_type.description", Str(0, 255, true)), ("volume_type.os-volume-type-access:is_public", Bool(BoolStyle.Cinder)),
                ("volume_type.extra_specs", ObjectShape), ("volume_type.extra_specs.*", Str(0, 255, true))) with { AdminOnly = true, StrictKeys = true },
            Get(v, "/v3/{project}/types/{type}"),
            Send(v, "PUT", "/v3/{project}/types/{type}", """{"volume_type":{"name":"fuzz-type","description":"fuzz","is_public":true}}""", "volume_type",
                ("volume_type.name", Str(0, 255, true)), ("volume_type.description", Str(0, 255, true)), ("volume_type.is_public", Bool(BoolStyle.Cinder))) with { AdminOnly = true, StrictKeys = true },
            Delete(v, "/v3/{project}/types/{type}"),
            Get(v, "/v3/{project}/types/{type}/extra_specs"),
            Send(v, "POST", "/v3/{project}/types/{type}/extra_specs", """{"extra_specs":{"fuzz_key":"v"}}""", "extra_specs", ("extra_specs", ObjectShape), ("extra_specs.*", Str(0))) with { AdminOnly = true },
            Get(v, "/v3/{project}/types/{type}/extra_specs/{speckey}"),
            Send(v, "PUT", "/v3/{project}/types/{type}/extra_specs/{speckey}", """{"fuzz_key":"v2"}""", null, ("fuzz_key", Str(0))) with { AdminOnly = true },
            Delete(v, "/v3/{project}/types/{type}/extra_specs/{speckey}"),
            Get(v, "/v3/{project}/types/{type}/os-volume-type-access") with { AdminOnly = true },
            Action(v, "/v3/{project}/types/{type}/action", "addProjectAccess", """{"addProjectAccess":{"project":"$spare$"}}""", ("addProjectAccess.project", Str(1))) with { AdminOnly = true, Forwarded = false },
            Action(v, "/v3/{project}/types/{type}/action", "removeProjectAccess", """{"removeProjectAccess":{"project":"$spare$"}}""", ("removeProjectAccess.project", Str(1))) with { AdminOnly = true, Forwarded = false },

            Get(v, "/v3/{project}/os-quota-sets/{project}", "usage"),
            Get(v, "/v3/{project}/os-quota-sets/{project}/defaults"),
            Send(v, "PUT", "/v3/{project}/os-quota-sets/{spare}", """{"quota_set":{"volumes":10,"gigabytes":1000,"snapshots":10,"per_volume_gigabytes":-1}}""", "quota_set",
                ("quota_set.volumes", PythonInt(-1)), ("quota_set.gigabytes", PythonInt(-1)), ("quota_set.snapshots", PythonInt(-1)), ("quota_set.per_volume_gigabytes", PythonInt(-1))) with { AdminOnly = true, StrictKeys = true },
            Delete(v, "/v3/{project}/os-quota-sets/{spare}"),
            Get(v, "/v3/{project}/os-quota-class-sets/fuzz") with { AdminOnly = true },
            Send(v, "PUT", "/v3/{project}/os-quota-class-sets/fuzz", """{"quota_class_set":{"volumes":10,"gigabytes":1000,"backups":10,"groups":10}}""", "quota_class_set") with { AdminOnly = true, StrictKeys = true },
            Get(v, "/v3/{project}/limits"),
            Get(v, "/v3/{project}/os-availability-zone"),
        ];
        return routes.Select(r => r.Path.StartsWith("/v3/", StringComparison.Ordinal) ? r with { Microversion = r.Microversion ?? CinderMv } : r);
    }

    private static IEnumerable<FuzzRoute> Image()
    {
        const FuzzApi i = FuzzApi.Image;
        return
        [
            Get(i, "/") with { Anonymous = true },
            Get(i, "/versions") with { Anonymous = true },
            Get(i, "/v2/images", GlanceList),
            Send(i, "POST", "/v2/images", """{"name":"fuzz-image-new","disk_format":"qcow2","container_format":"bare","visibility":"private","min_disk":0,"min_ram":0,"protected":false,"tags":["fuzz"]}""", null,
                // Glance's image schema (glance/api/v2/images.py, get_base_properties): disk_format and
                // container_format are {'type': ['null', 'string'], 'enum': [None] + the formats}, so null is valid.
                ("name", Str(0, 255, true)), ("disk_format", new EnumRule(["ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"], Nullable: true)),
                ("container_format", new EnumRule(["ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"], Nullable: true)), ("visibility", OneOf("public", "private", "shared", "community")),
                ("protected", Bool(BoolStyle.Strict)), ("tags", ListShape), ("min_disk", Int(0, null, strings: false)), ("min_ram", Int(0, null, strings: false))) with { Forwarded = true },
            Get(i, "/v2/images/{image}"),
            Send(i, "PATCH", "/v2/images/{image}", """[{"op":"replace","path":"/name","value":"fuzz-image"}]""", null) with { ContentType = "application/openstack-images-v2.1-json-patch", Forwarded = true },
            Delete(i, "/v2/images/{image}"),
            new FuzzRoute(i, "PUT", "/v2/images/{image}/file") { Body = "fuzz image data", Data = true, ContentType = "application/octet-stream" },
            Get(i, "/v2/images/{image}/file"),
            new FuzzRoute(i, "PUT", "/v2/images/{image}/tags/{tag}"),
            Delete(i, "/v2/images/{image}/tags/{tag}"),
            Get(i, "/v2/images/{image}/members"),
            Send(i, "POST", "/v2/images/{image}/members", """{"member":"$spare$"}""", null, ("member", Str(1))) with { Forwarded = true },
            Get(i, "/v2/images/{image}/members/{spare}"),
            Send(i, "PUT", "/v2/images/{image}/members/{spare}", """{"status":"accepted"}""", null, ("status", OneOf("accepted", "rejected", "pending"))) with { Forwarded = true },
            Delete(i, "/v2/images/{image}/members/{spare}"),
            new FuzzRoute(i, "POST", "/v2/images/{image}/actions/deactivate") { AdminOnly = true },
            new FuzzRoute(i, "POST", "/v2/images/{image}/actions/reactivate") { AdminOnly = true },
            Get(i, "/v2/schemas/image"),
            Get(i, "/v2/schemas/images"),
            Get(i, "/v2/info/import"),
            Get(i, "/v2/info/stores"),
        ];
    }

    private static List<FuzzRoute> Network()
    {
        const FuzzApi n = FuzzApi.Network;
        (string, FieldRule)[] named(string wrapper) => [($"{wrapper}.name", Str(0)), ($"{wrapper}.description", Str(0))];
        var neutronBool = Bool(BoolStyle.Neutron);
        var routes = new List<FuzzRoute>
        {
            Get(n, "/") with { Anonymous = true },
            Get(n, "/v2.0/"),
            Get(n, "/v2.0/extensions"),
            Get(n, "/v2.0/extensions/{alias}"),
            Get(n, "/v2.0/availability_zones", "name", "resource", "state"),

            Get(n, "/v2.0/networks", [.. NeutronList, "admin_state_up", "shared", "status", "router:external", "mtu", "availability_zone_hints"]),
            Send(n, "POST", "/v2.0/networks", """{"network":{"name":"fuzz-net-new","description":"fuzz","admin_state_up":true,"mtu":1400,"availability_zone_hints":["az1"],"port_security_enabled":true}}""", "network",
                [.. named("network"), ("network.admin_state_up", neutronBool), ("network.port_security_enabled", neutronBool), ("network.availability_zone_hints", NullableList), ("network.availability_zone_hints[]", Str(1))]) with { StrictKeys = true },
            Send(n, "POST", "/v2.0/networks", """{"network":{"name":"fuzz-provider","provider:network_type":"vlan","provider:physical_network":"bridge","provider:segmentation_id":2100,"shared":false,"router:external":false}}""", "network",
                ("network.provider:segmentation_id", NeutronInt(1, 4094)), ("network.shared", neutronBool), ("network.router:external", neutronBool), ("network.provider:network_type", OneOf("local", "flat", "vlan", "vxlan", "geneve", "gre"))) with { StrictKeys = true, AdminOnly = true, Variant = "provider" },
            Get(n, "/v2.0/networks/{network}", "fields"),
            Send(n, "PUT", "/v2.0/networks/{network}", """{"network":{"name":"fuzz-net","description":"fuzz","admin_state_up":true,"mtu":1450,"port_security_enabled":true}}""", "network",
                [.. named("network"), ("network.admin_state_up", neutronBool), ("network.port_security_enabled", neutronBool)]) with { StrictKeys = true },
            Delete(n, "/v2.0/networks/{network}"),

            Get(n, "/v2.0/subnets", [.. NeutronList, "network_id", "cidr", "ip_version", "gateway_ip", "enable_dhcp", "ipv6_ra_mode", "ipv6_address_mode", "subnetpool_id"]),
            Send(n, "POST", "/v2.0/subnets", """{"subnet":{"network_id":"$network$","ip_version":4,"cidr":"10.92.0.0/24","name":"fuzz-sub-new","description":"fuzz","gateway_ip":"10.92.0.1","allocation_pools":[{"start":"10.92.0.10","end":"10.92.0.200"}],"enable_dhcp":true,"dns_nameservers":["192.0.2.53"],"host_routes":[{"destination":"192.0.2.0/24","nexthop":"10.92.0.254"}]}}""", "subnet",
                [.. named("subnet"), ("subnet.ip_version", new EnumRuleInt([4, 6])), ("subnet.enable_dhcp", neutronBool), ("subnet.allocation_pools", ListShape), ("subnet.dns_nameservers", ListShape), ("subnet.host_routes", ListShape), ("subnet.cidr", Str(1))]) with { StrictKeys = true },
            Send(n, "POST", "/v2.0/subnets", """{"subnet":{"network_id":"$network$","ip_version":6,"cidr":"2001:db8:91::/64","ipv6_ra_mode":"slaac","ipv6_address_mode":"slaac"}}""", "subnet",
                ("subnet.ipv6_ra_mode", new EnumRule(["slaac", "dhcpv6-stateful", "dhcpv6-stateless"], Nullable: true)), ("subnet.ipv6_address_mode", new EnumRule(["slaac", "dhcpv6-stateful", "dhcpv6-stateless"], Nullable: true))) with { StrictKeys = true, Variant = "ipv6" },
            Get(n, "/v2.0/subnets/{subnet}", "fields"),
            Send(n, "PUT", "/v2.0/subnets/{subnet}", """{"subnet":{"name":"fuzz-sub","description":"fuzz","gateway_ip":"10.91.0.1","enable_dhcp":true,"dns_nameservers":["192.0.2.53"],"host_routes":[],"allocation_pools":[{"start":"10.91.0.2","end":"10.91.0.254"}]}}""", "subnet",
                [.. named("subnet"), ("subnet.enable_dhcp", neutronBool), ("subnet.dns_nameservers", ListShape), ("subnet.host_routes", ListShape), ("subnet.allocation_pools", ListShape)]) with { StrictKeys = true },
            Delete(n, "/v2.0/subnets/{subnet}"),

            Get(n, "/v2.0/subnetpools", [.. NeutronList, "ip_version", "default_prefixlen", "min_prefixlen", "max_prefixlen", "default_quota", "is_default", "shared", "address_scope_id"]),
            Send(n, "POST", "/v2.0/subnetpools", """{"subnetpool":{"name":"fuzz-pool-new","description":"fuzz","prefixes":["10.94.0.0/16"],"min_prefixlen":16,"max_prefixlen":28,"default_prefixlen":24,"default_quota":100000}}""", "subnetpool",
                ("subnetpool.name", Str(1)), ("subnetpool.description", Str(0)), ("subnetpool.prefixes", ListShape), ("subnetpool.min_prefixlen", NeutronInt(0, int.MaxValue)), ("subnetpool.max_prefixlen", NeutronInt(0, int.MaxValue)),
                ("subnetpool.default_prefixlen", NeutronInt(0, int.MaxValue)), ("subnetpool.default_quota", NeutronInt(0, int.MaxValue))) with { StrictKeys = true },
            Get(n, "/v2.0/subnetpools/{subnetpool}", "fields"),
            Send(n, "PUT", "/v2.0/subnetpools/{subnetpool}", """{"subnetpool":{"name":"fuzz-pool","description":"fuzz","prefixes":["10.93.0.0/16","10.95.0.0/16"],"default_quota":100000,"address_scope_id":"$scope$"}}""", "subnetpool",
                ("subnetpool.name", Str(1)), ("subnetpool.description", Str(0)), ("subnetpool.prefixes", ListShape), ("subnetpool.default_quota", NeutronInt(0, int.MaxValue))) with { StrictKeys = true },
            Send(n, "PUT", "/v2.0/subnetpools/{subnetpool}/add_prefixes", """{"prefixes":["10.96.0.0/16"]}""", null, ("prefixes", ListShape)),
            Send(n, "PUT", "/v2.0/subnetpools/{subnetpool}/remove_prefixes", """{"prefixes":["10.96.0.0/16"]}""", null, ("prefixes", ListShape)),
            Delete(n, "/v2.0/subnetpools/{subnetpool}"),
            Get(n, "/v2.0/address-scopes", "fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse", "id", "name", "tenant_id", "project_id", "shared", "ip_version"),
            Send(n, "POST", "/v2.0/address-scopes", """{"address_scope":{"name":"fuzz-scope-new","ip_version":6}}""", "address_scope",
                ("address_scope.name", Str(0)), ("address_scope.ip_version", new EnumRuleInt([4, 6]))) with { StrictKeys = true },
            Get(n, "/v2.0/address-scopes/{scope}", "fields"),
            Send(n, "PUT", "/v2.0/address-scopes/{scope}", """{"address_scope":{"name":"fuzz-scope"}}""", "address_scope", ("address_scope.name", Str(0))) with { StrictKeys = true },
            Delete(n, "/v2.0/address-scopes/{scope}"),

            Get(n, "/v2.0/ports", [.. NeutronList, "network_id", "device_id", "device_owner", "mac_address", "fixed_ips", "status", "admin_state_up", "binding:host_id", "security_groups"]),
            // allowed_address_pairs: neutron-lib's allowedaddresspairs definition converts with
            // convert_none_to_empty_list before validating, so null is valid (no pairs), as for security_groups.
            Send(n, "POST", "/v2.0/ports", """{"port":{"network_id":"$network$","name":"fuzz-port-new","description":"fuzz","fixed_ips":[{"subnet_id":"$subnet$"}],"security_groups":["$group$"],"allowed_address_pairs":[{"ip_address":"10.91.0.250"}],"port_security_enabled":true,"admin_state_up":true,"device_id":"","device_owner":"","binding:vnic_type":"normal","extra_dhcp_opts":[{"opt_name":"mtu","opt_value":"1400"}]}}""", "port",
                [.. named("port"), ("port.admin_state_up", neutronBool), ("port.port_security_enabled", neutronBool), ("port.fixed_ips", ListShape), ("port.security_groups", NullableList), ("port.allowed_address_pairs", NullableList),
                    ("port.extra_dhcp_opts", NullableList), ("port.device_id", Str(0)), ("port.device_owner", Str(0)), ("port.binding:vnic_type", OneOf("normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder", "smart-nic", "vdpa", "remote-managed", "accelerator-direct", "accelerator-direct-physical"))]) with { StrictKeys = true },
            Send(n, "POST", "/v2.0/ports", """{"port":{"network_id":"$network$","mac_address":"fa:16:3e:12:34:56","binding:host_id":"fuzz-host","binding:profile":{}}}""", "port",
                ("port.binding:profile", new ShapeRule(System.Text.Json.JsonValueKind.Object, Nullable: true)), ("port.binding:host_id", Str(0))) with { StrictKeys = true, AdminOnly = true, Variant = "binding" },
            Get(n, "/v2.0/ports/{port}", "fields"),
            Send(n, "PUT", "/v2.0/ports/{port}", """{"port":{"name":"fuzz-port","description":"fuzz","admin_state_up":true,"security_groups":["$group$"],"allowed_address_pairs":[],"port_security_enabled":true,"binding:vnic_type":"normal","extra_dhcp_opts":[],"fixed_ips":[{"subnet_id":"$subnet$","ip_address":"10.91.0.77"}]}}""", "port",
                [.. named("port"), ("port.admin_state_up", neutronBool), ("port.port_security_enabled", neutronBool), ("port.security_groups", NullableList), ("port.allowed_address_pairs", NullableList), ("port.extra_dhcp_opts", NullableList), ("port.fixed_ips", ListShape)]) with { StrictKeys = true },
            Delete(n, "/v2.0/ports/{port}"),

            Get(n, "/v2.0/security-groups", [.. NeutronList, "stateful"]),
            Send(n, "POST", "/v2.0/security-groups", """{"security_group":{"name":"fuzz-sg-new","description":"fuzz","stateful":true}}""", "security_group",
                [.. named("security_group"), ("security_group.stateful", neutronBool)]) with { StrictKeys = true },
            Get(n, "/v2.0/security-groups/{group}", "fields"),
            Send(n, "PUT", "/v2.0/security-groups/{group}", """{"security_group":{"name":"fuzz-sg","description":"fuzz"}}""", "security_group", named("security_group")) with { StrictKeys = true },
            Delete(n, "/v2.0/security-groups/{group}"),
            Get(n, "/v2.0/security-group-rules", [.. NeutronList, "security_group_id", "direction", "ethertype", "protocol", "port_range_min", "port_range_max", "remote_ip_prefix", "remote_group_id"]),
            Send(n, "POST", "/v2.0/security-group-rules", """{"security_group_rule":{"security_group_id":"$group$","direction":"ingress","ethertype":"IPv4","protocol":"tcp","port_range_min":8080,"port_range_max":8081,"remote_ip_prefix":"192.0.2.0/24","description":"fuzz"}}""", "security_group_rule",
                ("security_group_rule.direction", OneOf("ingress", "egress")), ("security_group_rule.ethertype", OneOf("IPv4", "IPv6")), ("security_group_rule.port_range_min", NeutronInt(0, 65535, nullable: true)),
                ("security_group_rule.port_range_max", NeutronInt(0, 65535, nullable: true)), ("security_group_rule.description", Str(0))) with { StrictKeys = true },
            Send(n, "POST", "/v2.0/security-group-rules", """{"security_group_rule":{"security_group_id":"$group$","direction":"egress","ethertype":"IPv6","protocol":"icmpv6","remote_group_id":"$group$"}}""", "security_group_rule",
                ("security_group_rule.direction", OneOf("ingress", "egress")), ("security_group_rule.ethertype", OneOf("IPv4", "IPv6"))) with { StrictKeys = true, Variant = "remote-group" },
            Get(n, "/v2.0/security-group-rules/{rule}", "fields"),
            Delete(n, "/v2.0/security-group-rules/{rule}"),

            Get(n, "/v2.0/routers", [.. NeutronList, "admin_state_up", "status"]),
            Send(n, "POST", "/v2.0/routers", """{"router":{"name":"fuzz-router-new","description":"fuzz","admin_state_up":true,"availability_zone_hints":[]}}""", "router",
                [.. named("router"), ("router.admin_state_up", neutronBool), ("router.availability_zone_hints", NullableList)]) with { StrictKeys = true },
            Get(n, "/v2.0/routers/{router}", "fields"),
            Send(n, "PUT", "/v2.0/routers/{router}", """{"router":{"name":"fuzz-router","description":"fuzz","admin_state_up":true,"routes":[]}}""", "router",
                [.. named("router"), ("router.admin_state_up", neutronBool), ("router.routes", NullableList)]) with { StrictKeys = true },
            Send(n, "PUT", "/v2.0/routers/{router}/add_router_interface", """{"subnet_id":"$subnet$"}""", null),
            Send(n, "PUT", "/v2.0/routers/{router}/remove_router_interface", """{"subnet_id":"$subnet$"}""", null),
            Delete(n, "/v2.0/routers/{router}"),

            // Floating IPs have no name: NeutronList without it.
            Get(n, "/v2.0/floatingips", [.. NeutronList.Where(q => q != "name"), "floating_ip_address", "floating_network_id", "router_id", "port_id", "fixed_ip_address", "status"]),
            Send(n, "POST", "/v2.0/floatingips", """{"floatingip":{"floating_network_id":"$external$","subnet_id":"$extsubnet$","description":"fuzz","port_id":null,"fixed_ip_address":null}}""", "floatingip",
                ("floatingip.description", Str(0))) with { StrictKeys = true },
            Get(n, "/v2.0/floatingips/{floatingip}", "fields"),
            Send(n, "PUT", "/v2.0/floatingips/{floatingip}", """{"floatingip":{"port_id":"$port$","fixed_ip_address":"10.91.0.77","description":"fuzz"}}""", "floatingip",
                ("floatingip.description", Str(0))) with { StrictKeys = true },
            Delete(n, "/v2.0/floatingips/{floatingip}"),

            Get(n, "/v2.0/quotas") with { AdminOnly = true },
            Get(n, "/v2.0/quotas/tenant"),
            Get(n, "/v2.0/quotas/{project}"),
            Get(n, "/v2.0/quotas/{project}/default"),
            Get(n, "/v2.0/quotas/{project}/details"),
            Send(n, "PUT", "/v2.0/quotas/{spare}", """{"quota":{"network":100,"subnet":100,"port":500,"security_group":10,"security_group_rule":100,"router":10,"floatingip":50}}""", "quota",
                ("quota.network", NeutronInt(-1, int.MaxValue)), ("quota.subnet", NeutronInt(-1, int.MaxValue)), ("quota.port", NeutronInt(-1, int.MaxValue)), ("quota.security_group", NeutronInt(-1, int.MaxValue)),
                ("quota.security_group_rule", NeutronInt(-1, int.MaxValue)), ("quota.router", NeutronInt(-1, int.MaxValue)), ("quota.floatingip", NeutronInt(-1, int.MaxValue))) with { StrictKeys = true, AdminOnly = true },
            Delete(n, "/v2.0/quotas/{spare}"),
        };
        foreach (var (collection, id) in ((string, string)[])[("networks", "{network}"), ("subnets", "{subnet}"), ("subnetpools", "{subnetpool}"), ("ports", "{port}"), ("routers", "{router}"), ("floatingips", "{floatingip}")])
        {
            routes.Add(Get(n, $"/v2.0/{collection}/{id}/tags"));
            routes.Add(Send(n, "PUT", $"/v2.0/{collection}/{id}/tags", """{"tags":["fuzz","fuzz2"]}""", null, ("tags", ListShape), ("tags[]", Str(1, 255))));
            routes.Add(Delete(n, $"/v2.0/{collection}/{id}/tags"));
            routes.Add(Get(n, $"/v2.0/{collection}/{id}/tags/{{tag}}"));
            routes.Add(new FuzzRoute(n, "PUT", $"/v2.0/{collection}/{id}/tags/{{tag}}"));
            routes.Add(Delete(n, $"/v2.0/{collection}/{id}/tags/{{tag}}"));
        }

        return routes;
    }
}

/// <summary>An integer that must be one of some values (Neutron's ip_version: 4 or 6, as a number or its digits).</summary>
internal sealed record EnumRuleInt(int[] Values) : FieldRule($"one of {string.Join(", ", Values)}")
{
    public override bool? Violates(string rawJson)
    {
        var trimmed = rawJson.Trim().Trim('"');
        return trimmed is "true" or "false" ? null : !Values.Any(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture) == trimmed);
    }
}

/// <summary>Nova's <c>flavor_ref</c>: a non-empty string or an integer (which flavor it names is checked later).</summary>
internal sealed record FlavorRefRule() : FieldRule("a non-empty string or an integer")
{
    public override bool? Violates(string rawJson)
    {
        var node = Parse(rawJson, out var ok);
        return !ok ? null : Kind(node) switch
        {
            System.Text.Json.JsonValueKind.String => Text(node) is { } text ? text.Length == 0 : null,
            System.Text.Json.JsonValueKind.Number => rawJson.Contains('.', StringComparison.Ordinal) || rawJson.Contains('e', StringComparison.OrdinalIgnoreCase),
            _ => true,
        };
    }
}
