using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Tricircle.Emulator.Regions;

namespace Tricircle.Emulator.Fuzz;

/// <summary>The resources the fuzzed routes point at, and a valid body per route to mutate.</summary>
public sealed partial class MalformedInputFuzzTests
{
    private async Task SeedAsync(string adminProject, string demoProject)
    {
        var compute = Service(ServiceKind.Compute).Root + "v2.1";
        var network = Service(ServiceKind.Network).Root + "v2.0";
        var volume = Service(ServiceKind.Volume).Root + "v3/" + adminProject;
        var image = Service(ServiceKind.Image).Root + "v2";
        var identity = _keystone.Url + "v3";
        _ids["v2.1/project_id"] = adminProject;
        _ids["v3/project_id"] = adminProject;
        _ids["quotas/project"] = demoProject;
        _ids["os-quota-sets/project"] = demoProject;
        _ids["os-quota-sets/target"] = demoProject;
        _ids["os-quota-class-sets/id"] = "fuzz";
        _ids["os-quota-class-sets/name"] = "fuzz";
        _ids["extensions/alias"] = "router";
        _ids["tags/tag"] = "t1";
        _ids["metadata/key"] = "k";
        _ids["extra_specs/key"] = "a";
        _ids["os-extra_specs/key"] = "hw:cpu_policy";
        _ids["ips/network"] = "fuzznet";
        _ids["regions/id"] = "RegionOne";
        _ids["domains/id"] = "default";
        _ids["projects/id"] = demoProject;

        string Id(JsonNode node, string key) => node[key]!["id"]!.ToString();

        var net = Id(await SendOkAsync("POST", network + "/networks", new JsonObject { ["network"] = new JsonObject { ["name"] = "fuzznet" } }), "network");
        var subnet = Id(await SendOkAsync("POST", network + "/subnets", new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = net, ["cidr"] = "10.0.0.0/24", ["ip_version"] = 4 } }), "subnet");
        var ext = Id(await SendOkAsync("POST", network + "/networks", new JsonObject { ["network"] = new JsonObject { ["name"] = "public", ["router:external"] = true } }), "network");
        var extSubnet = Id(await SendOkAsync("POST", network + "/subnets", new JsonObject { ["subnet"] = new JsonObject { ["network_id"] = ext, ["cidr"] = "172.24.4.0/24", ["ip_version"] = 4 } }), "subnet");
        var port = Id(await SendOkAsync("POST", network + "/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = net } }), "port");
        var router = Id(await SendOkAsync("POST", network + "/routers", new JsonObject { ["router"] = new JsonObject { ["name"] = "r", ["external_gateway_info"] = new JsonObject { ["network_id"] = ext } } }), "router");
        var group = Id(await SendOkAsync("POST", network + "/security-groups", new JsonObject { ["security_group"] = new JsonObject { ["name"] = "g" } }), "security_group");
        var rule = Id(await SendOkAsync("POST", network + "/security-group-rules", new JsonObject { ["security_group_rule"] = new JsonObject { ["security_group_id"] = group, ["direction"] = "ingress", ["protocol"] = "tcp", ["port_range_min"] = 22, ["port_range_max"] = 22 } }), "security_group_rule");
        await SendOkAsync("PUT", network + $"/routers/{router}/add_router_interface", new JsonObject { ["subnet_id"] = subnet });
        var fipPort = Id(await SendOkAsync("POST", network + "/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = net } }), "port");
        var fip = Id(await SendOkAsync("POST", network + "/floatingips", new JsonObject { ["floatingip"] = new JsonObject { ["floating_network_id"] = ext, ["port_id"] = fipPort } }), "floatingip");
        var trunkParent = Id(await SendOkAsync("POST", network + "/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = net } }), "port");
        var trunkSub = Id(await SendOkAsync("POST", network + "/ports", new JsonObject { ["port"] = new JsonObject { ["network_id"] = net } }), "port");
        _ids["trunks/id"] = Id(await SendOkAsync("POST", network + "/trunks", new JsonObject
        {
            ["trunk"] = new JsonObject { ["port_id"] = trunkParent, ["sub_ports"] = new JsonArray(new JsonObject { ["port_id"] = trunkSub, ["segmentation_type"] = "vlan", ["segmentation_id"] = 5 }) },
        }), "trunk");
        foreach (var (path, id) in ((string, string)[])[("networks", net), ("subnets", subnet), ("ports", port), ("routers", router), ("floatingips", fip), ("security-groups", group)])
        {
            await SendOkAsync("PUT", network + $"/{path}/{id}/tags/t1", null);
        }

        (_ids["networks/id"], _ids["subnets/id"], _ids["ports/id"], _ids["routers/id"], _ids["floatingips/id"], _ids["security-groups/id"], _ids["security-group-rules/id"]) =
            (net, subnet, port, router, fip, group, rule);
        (_ids["ext-network"], _ids["ext-subnet"]) = (ext, extSubnet);

        var policy = Id(await SendOkAsync("POST", network + "/qos/policies", new JsonObject { ["policy"] = new JsonObject { ["name"] = "q" } }), "policy");
        _ids["policies/id"] = policy;
        _ids["rule-types/type"] = "bandwidth_limit";
        foreach (var (ruleType, values) in ((string, JsonObject)[])[
            ("bandwidth_limit", new JsonObject { ["max_kbps"] = 1000 }),
            ("dscp_marking", new JsonObject { ["dscp_mark"] = 26 }),
            ("minimum_bandwidth", new JsonObject { ["min_kbps"] = 100 }),
            ("minimum_packet_rate", new JsonObject { ["min_kpps"] = 100 })])
        {
            _ids[$"{ruleType}_rules/rule"] = Id(await SendOkAsync("POST", network + $"/qos/policies/{policy}/{ruleType}_rules", new JsonObject { [ruleType + "_rule"] = values }), ruleType + "_rule");
        }

        var images = await SendOkAsync("GET", image + "/images?name=cirros", null);
        var cirros = images["images"]![0]!["id"]!.ToString();
        var own = (await SendOkAsync("POST", image + "/images", new JsonObject { ["name"] = "fuzz", ["disk_format"] = "raw", ["container_format"] = "bare", ["tags"] = new JsonArray("t1") }))["id"]!.ToString();
        using (var upload = new HttpRequestMessage(HttpMethod.Put, image + $"/images/{own}/file") { Content = new ByteArrayContent(new byte[64]) })
        {
            upload.Headers.Add("X-Auth-Token", _admin);
            upload.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using var uploaded = await _http.SendAsync(upload);
            Assert.True(uploaded.IsSuccessStatusCode, $"upload: {(int)uploaded.StatusCode}");
        }

        _ids["images/id"] = own;
        _ids["cirros"] = cirros;

        await SendOkAsync("POST", compute + "/os-keypairs", new JsonObject { ["keypair"] = new JsonObject { ["name"] = "fuzzkey" } });
        _ids["os-keypairs/name"] = "fuzzkey";
        var flavor = Id(await SendOkAsync("POST", compute + "/flavors", new JsonObject { ["flavor"] = new JsonObject { ["name"] = "fuzzflavor", ["ram"] = 64, ["vcpus"] = 1, ["disk"] = 1, ["id"] = "fz" } }), "flavor");
        await SendOkAsync("POST", compute + $"/flavors/{flavor}/os-extra_specs", new JsonObject { ["extra_specs"] = new JsonObject { ["hw:cpu_policy"] = "shared" } });
        _ids["flavors/id"] = flavor;
        var aggregate = Id(await SendOkAsync("POST", compute + "/os-aggregates", new JsonObject { ["aggregate"] = new JsonObject { ["name"] = "fuzzagg" } }), "aggregate");
        _ids["os-aggregates/id"] = aggregate;
        _ids["os-hypervisors/id"] = "1";
        _ids["os-services/id"] = "3"; // the nova-compute service
        _ids["os-simple-tenant-usage/tenant"] = demoProject;
        _ids["os-services/action"] = "enable";
        _ids["agents/id"] = (await SendOkAsync("GET", network + "/agents", null))["agents"]![0]!["id"]!.ToString();
        var server = Id(await SendOkAsync("POST", compute + "/servers", new JsonObject
        {
            ["server"] = new JsonObject { ["name"] = "fuzzvm", ["imageRef"] = cirros, ["flavorRef"] = "1", ["networks"] = new JsonArray(new JsonObject { ["uuid"] = net }), ["metadata"] = new JsonObject { ["k"] = "v" } },
        }), "server");
        _ids["servers/id"] = server;
        _ids["os-instance-actions/request_id"] = (await SendOkAsync("GET", compute + "/servers/" + server + "/os-instance-actions", null))["instanceActions"]![0]!["request_id"]!.ToString();
        _ids["os-server-groups/id"] = Id(await SendOkAsync("POST", compute + "/os-server-groups", new JsonObject { ["server_group"] = new JsonObject { ["name"] = "fuzzsg", ["policies"] = new JsonArray("anti-affinity") } }), "server_group");

        var vol = Id(await SendOkAsync("POST", volume + "/volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 1, ["name"] = "fuzzvol", ["metadata"] = new JsonObject { ["k"] = "v" } } }), "volume");
        var spare = Id(await SendOkAsync("POST", volume + "/volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 1, ["name"] = "spare" } }), "volume");
        await SendOkAsync("GET", volume + "/volumes/" + vol, null); // turns it available
        var snapshot = Id(await SendOkAsync("POST", volume + "/snapshots", new JsonObject { ["snapshot"] = new JsonObject { ["volume_id"] = spare, ["name"] = "fuzzsnap", ["metadata"] = new JsonObject { ["k"] = "v" } } }), "snapshot");
        var type = Id(await SendOkAsync("POST", volume + "/types", new JsonObject { ["volume_type"] = new JsonObject { ["name"] = "fuzztype", ["extra_specs"] = new JsonObject { ["a"] = "b" } } }), "volume_type");
        (_ids["volumes/id"], _ids["snapshots/id"], _ids["types/id"]) = (vol, snapshot, type);
        _ids["backups/id"] = Id(await SendOkAsync("POST", volume + "/backups", new JsonObject { ["backup"] = new JsonObject { ["volume_id"] = spare, ["name"] = "fuzzbackup" } }), "backup");
        var gift = Id(await SendOkAsync("POST", volume + "/volumes", new JsonObject { ["volume"] = new JsonObject { ["size"] = 1, ["name"] = "fuzzgift" } }), "volume");
        await SendOkAsync("GET", volume + "/volumes/" + gift, null); // turns it available
        var transfer = Id(await SendOkAsync("POST", volume + "/os-volume-transfer", new JsonObject { ["transfer"] = new JsonObject { ["volume_id"] = gift, ["name"] = "fuzzoffer" } }), "transfer");
        (_ids["os-volume-transfer/id"], _ids["volume-transfers/id"]) = (transfer, transfer);
        await SendOkAsync("POST", compute + $"/servers/{server}/os-volume_attachments", new JsonObject { ["volumeAttachment"] = new JsonObject { ["volumeId"] = vol } });
        _ids["os-volume_attachments/volume"] = vol;
        var interfaces = await SendOkAsync("GET", compute + $"/servers/{server}/os-interface", null);
        _ids["os-interface/port"] = interfaces["interfaceAttachments"]![0]!["port_id"]!.ToString();

        var services = await SendOkAsync("GET", identity + "/services?type=compute", null);
        _ids["services/id"] = services["services"]![0]!["id"]!.ToString();
        var endpoints = await SendOkAsync("GET", identity + "/endpoints?region_id=RegionOne", null);
        _ids["endpoints/id"] = endpoints["endpoints"]![0]!["id"]!.ToString();
        var users = await SendOkAsync("GET", identity + "/users?name=demo", null);
        _ids["users/id"] = users["users"]![0]!["id"]!.ToString();
        var roles = await SendOkAsync("GET", identity + "/roles?name=member", null);
        _ids["roles/id"] = roles["roles"]![0]!["id"]!.ToString();
        (_ids["projects/project_id"], _ids["users/user_id"], _ids["roles/role_id"]) = (demoProject, _ids["users/id"], _ids["roles/id"]);
        _ids["admin-project"] = adminProject;
    }

    private async Task<JsonNode> SendOkAsync(string method, string url, JsonNode? body)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        request.Headers.Add("X-Auth-Token", _admin);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"seeding {method} {url}: {(int)response.StatusCode} {text}");
        return text.Length == 0 || text == "null" ? new JsonObject() : JsonNode.Parse(text)!;
    }

    /// <summary>Valid bodies for a route ("METHOD /pattern" without the version prefix), the starting points of mutation.</summary>
    private List<JsonNode> Samples(string service, string key)
    {
        var id = _ids;
        JsonNode P(string json) => JsonNode.Parse(json
            .Replace("$NET", id["networks/id"], StringComparison.Ordinal).Replace("$SUBNET", id["subnets/id"], StringComparison.Ordinal)
            .Replace("$PORT", id["ports/id"], StringComparison.Ordinal).Replace("$GROUP", id["security-groups/id"], StringComparison.Ordinal)
            .Replace("$EXTSUB", id["ext-subnet"], StringComparison.Ordinal).Replace("$EXT", id["ext-network"], StringComparison.Ordinal)
            .Replace("$IMAGE", id["cirros"], StringComparison.Ordinal).Replace("$VOLUME", id["volumes/id"], StringComparison.Ordinal)
            .Replace("$SNAPSHOT", id["snapshots/id"], StringComparison.Ordinal).Replace("$SERVER", id["servers/id"], StringComparison.Ordinal)
            .Replace("$PROJECT", id["projects/id"], StringComparison.Ordinal).Replace("$ADMINPROJECT", id["admin-project"], StringComparison.Ordinal)
            .Replace("$USER", id["users/id"], StringComparison.Ordinal).Replace("$SERVICE", id["services/id"], StringComparison.Ordinal)
            .Replace("'", "\"", StringComparison.Ordinal))!;

        string[] json = (service, key) switch
        {
            ("Network", "POST /networks") => ["{'network': {'name': 'n', 'admin_state_up': true, 'shared': false, 'mtu': 1450, 'provider:network_type': 'vlan', 'provider:physical_network': 'bridge', 'provider:segmentation_id': 2100, 'availability_zone_hints': ['nova'], 'port_security_enabled': true, 'router:external': false, 'description': 'd'}}",
                "{'networks': [{'name': 'a'}, {'name': 'b', 'provider:network_type': 'vxlan', 'provider:segmentation_id': 1500}]}"],
            ("Network", "PUT /networks/{id}") => ["{'network': {'name': 'n2', 'mtu': 1400, 'admin_state_up': false, 'shared': true, 'description': 'x', 'port_security_enabled': false}}"],
            ("Network", "POST /subnets") => ["{'subnet': {'network_id': '$NET', 'cidr': '10.1.0.0/24', 'ip_version': 4, 'gateway_ip': '10.1.0.1', 'allocation_pools': [{'start': '10.1.0.10', 'end': '10.1.0.20'}], 'dns_nameservers': ['8.8.8.8'], 'host_routes': [{'destination': '10.2.0.0/24', 'nexthop': '10.1.0.5'}], 'enable_dhcp': true, 'name': 's'}}",
                "{'subnet': {'network_id': '$NET', 'cidr': 'fd00::/64', 'ip_version': 6, 'ipv6_ra_mode': 'slaac', 'ipv6_address_mode': 'slaac'}}"],
            ("Network", "PUT /subnets/{id}") => ["{'subnet': {'name': 's2', 'gateway_ip': '10.0.0.254', 'allocation_pools': [{'start': '10.0.0.100', 'end': '10.0.0.200'}], 'dns_nameservers': ['1.1.1.1'], 'host_routes': [], 'enable_dhcp': false}}"],
            ("Network", "POST /ports") => ["{'port': {'network_id': '$NET', 'fixed_ips': [{'subnet_id': '$SUBNET', 'ip_address': '10.0.0.50'}], 'mac_address': 'fa:16:3e:00:00:01', 'security_groups': ['$GROUP'], 'allowed_address_pairs': [{'ip_address': '10.0.0.60', 'mac_address': 'fa:16:3e:00:00:02'}], 'extra_dhcp_opts': [{'opt_name': 'bootfile-name', 'opt_value': 'x'}], 'binding:host_id': 'h', 'binding:profile': {'a': 'b'}, 'binding:vnic_type': 'normal', 'device_id': 'd', 'device_owner': 'compute:nova', 'admin_state_up': true, 'port_security_enabled': true, 'name': 'p'}}"],
            ("Network", "PUT /ports/{id}") => ["{'port': {'name': 'p2', 'fixed_ips': [{'subnet_id': '$SUBNET'}], 'security_groups': [], 'allowed_address_pairs': [{'ip_address': '10.0.0.0/28'}], 'binding:host_id': 'h2', 'device_owner': 'network:x', 'admin_state_up': false, 'mac_address': 'fa:16:3e:00:00:09', 'extra_dhcp_opts': [{'opt_name': 'x', 'opt_value': null}]}}"],
            ("Network", "POST /routers") => ["{'router': {'name': 'r', 'external_gateway_info': {'network_id': '$EXT', 'enable_snat': true, 'external_fixed_ips': [{'subnet_id': '$EXTSUB', 'ip_address': '172.24.4.99'}]}, 'admin_state_up': true, 'availability_zone_hints': ['nova'], 'description': 'd'}}"],
            ("Network", "PUT /routers/{id}") => ["{'router': {'name': 'r2', 'routes': [{'destination': '10.5.0.0/24', 'nexthop': '10.0.0.7'}], 'external_gateway_info': {'network_id': '$EXT', 'enable_snat': false}, 'admin_state_up': true}}"],
            ("Network", "POST /floatingips") => ["{'floatingip': {'floating_network_id': '$EXT', 'port_id': '$PORT', 'fixed_ip_address': '10.0.0.5', 'floating_ip_address': '172.24.4.50', 'subnet_id': '$EXTSUB', 'description': 'd'}}"],
            ("Network", "PUT /floatingips/{id}") => ["{'floatingip': {'port_id': '$PORT', 'fixed_ip_address': null, 'description': 'x'}}"],
            ("Network", "POST /trunks") => ["{'trunk': {'port_id': '$PORT', 'name': 't', 'description': 'd', 'admin_state_up': true, 'sub_ports': []}}"],
            ("Network", "PUT /trunks/{id}") => ["{'trunk': {'name': 't2', 'description': 'd2', 'admin_state_up': true}}"],
            ("Network", "PUT /trunks/{id}/add_subports" or "PUT /trunks/{id}/remove_subports") => ["{'sub_ports': [{'port_id': '$PORT', 'segmentation_type': 'vlan', 'segmentation_id': 7}]}"],
            ("Network", "POST /security-groups") => ["{'security_group': {'name': 'g', 'description': 'd', 'stateful': true}}"],
            ("Network", "PUT /security-groups/{id}") => ["{'security_group': {'name': 'g2', 'description': 'd2'}}"],
            ("Network", "POST /security-group-rules") => ["{'security_group_rule': {'security_group_id': '$GROUP', 'direction': 'ingress', 'ethertype': 'IPv4', 'protocol': 'tcp', 'port_range_min': 80, 'port_range_max': 81, 'remote_ip_prefix': '0.0.0.0/0', 'description': 'd'}}",
                "{'security_group_rule': {'security_group_id': '$GROUP', 'direction': 'egress', 'ethertype': 'IPv6', 'protocol': 58, 'port_range_min': 1, 'port_range_max': 2, 'remote_group_id': '$GROUP'}}"],
            ("Network", "PUT /networks/{id}/tags" or "PUT /subnets/{id}/tags" or "PUT /ports/{id}/tags" or "PUT /routers/{id}/tags" or "PUT /floatingips/{id}/tags" or "PUT /security-groups/{id}/tags" or "PUT /trunks/{id}/tags") => ["{'tags': ['a', 'b']}"],
            ("Network", "PUT /quotas/{project}") => ["{'quota': {'network': 10, 'subnet': -1, 'port': 50, 'router': 5, 'floatingip': 5, 'security_group': 10, 'security_group_rule': 100}}"],
            ("Network", "PUT /routers/{id}/add_router_interface" or "PUT /routers/{id}/remove_router_interface") => ["{'subnet_id': '$SUBNET'}", "{'port_id': '$PORT'}"],

            ("Compute", "POST /servers") => ["{'server': {'name': 's', 'imageRef': '$IMAGE', 'flavorRef': '1', 'networks': [{'uuid': '$NET', 'fixed_ip': '10.0.0.9'}, {'port': '$PORT'}], 'availability_zone': 'nova', 'key_name': 'fuzzkey', 'metadata': {'a': 'b'}, 'security_groups': [{'name': 'default'}], 'min_count': 1, 'max_count': 2, 'user_data': 'aGk=', 'adminPass': 'p', 'accessIPv4': '1.2.3.4', 'accessIPv6': '::1', 'config_drive': true, 'description': 'd', 'tags': ['t'], 'block_device_mapping_v2': [{'boot_index': 0, 'uuid': '$IMAGE', 'source_type': 'image', 'destination_type': 'volume', 'volume_size': 1, 'delete_on_termination': true}]}, 'os:scheduler_hints': {'group': 'x'}}",
                "{'server': {'name': 's', 'flavorRef': 'http://x/flavors/1', 'networks': 'auto', 'block_device_mapping_v2': [{'boot_index': '0', 'uuid': '$VOLUME', 'source_type': 'volume', 'destination_type': 'volume'}], 'personality': [{'path': '/a', 'contents': 'aGk='}]}}"],
            ("Compute", "PUT /servers/{id}") => ["{'server': {'name': 'n', 'description': 'd', 'accessIPv4': '1.2.3.4', 'accessIPv6': '::2', 'hostname': 'h'}}"],
            ("Compute", "POST /servers/{id}/metadata" or "PUT /servers/{id}/metadata") => ["{'metadata': {'a': 'b', 'c': 'd'}}"],
            ("Compute", "PUT /servers/{id}/metadata/{key}") => ["{'meta': {'k': 'v2'}}"],
            ("Compute", "POST /servers/{id}/os-volume_attachments") => ["{'volumeAttachment': {'volumeId': '$VOLUME', 'device': '/dev/vdb', 'tag': 't', 'delete_on_termination': false}}"],
            ("Compute", "POST /servers/{id}/os-interface") => ["{'interfaceAttachment': {'net_id': '$NET', 'fixed_ips': [{'ip_address': '10.0.0.8'}], 'tag': 't'}}", "{'interfaceAttachment': {'port_id': '$PORT'}}"],
            ("Compute", "POST /servers/{id}/action") =>
            [
                "{'os-start': null}", "{'os-stop': null}", "{'reboot': {'type': 'HARD'}}", "{'resize': {'flavorRef': '2', 'OS-DCF:diskConfig': 'AUTO'}}", "{'confirmResize': null}", "{'revertResize': null}",
                "{'createImage': {'name': 'i', 'metadata': {'a': 'b'}}}", "{'addSecurityGroup': {'name': 'default'}}", "{'removeSecurityGroup': {'name': 'default'}}",
                "{'lock': {'locked_reason': 'r'}}", "{'unlock': null}", "{'pause': null}", "{'unpause': null}", "{'suspend': null}", "{'resume': null}",
                "{'rebuild': {'imageRef': '$IMAGE', 'name': 'x', 'adminPass': 'p', 'metadata': {'a': 'b'}, 'preserve_ephemeral': false, 'key_name': 'fuzzkey', 'user_data': 'aGk=', 'description': 'd'}}",
                "{'changePassword': {'adminPass': 'x'}}", "{'rescue': {'adminPass': 'x', 'rescue_image_ref': '$IMAGE'}}", "{'unrescue': null}", "{'shelve': null}", "{'shelveOffload': null}",
                "{'unshelve': {'availability_zone': 'nova'}}", "{'os-getVNCConsole': {'type': 'novnc'}}", "{'os-getSPICEConsole': {'type': 'spice-html5'}}", "{'os-getSerialConsole': {'type': 'serial'}}",
                "{'os-resetState': {'state': 'active'}}", "{'forceDelete': null}", "{'trigger_crash_dump': null}", "{'os-getConsoleOutput': {'length': 10}}",
                "{'createBackup': {'name': 'b', 'backup_type': 'daily', 'rotation': 1}}", "{'migrate': null}", "{'os-migrateLive': {'host': null, 'block_migration': 'auto'}}", "{'restore': null}",
            ],
            ("Compute", "POST /servers/{id}/remote-consoles") => ["{'remote_console': {'protocol': 'vnc', 'type': 'novnc'}}"],
            ("Compute", "POST /flavors") => ["{'flavor': {'name': 'f', 'ram': 512, 'vcpus': 1, 'disk': 1, 'id': 'fx', 'OS-FLV-EXT-DATA:ephemeral': 0, 'swap': 0, 'rxtx_factor': 1.0, 'os-flavor-access:is_public': true, 'description': 'd'}}"],
            ("Compute", "PUT /flavors/{id}") => ["{'flavor': {'description': 'x'}}"],
            ("Compute", "POST /flavors/{id}/os-extra_specs") => ["{'extra_specs': {'hw:cpu_policy': 'dedicated', 'quota:disk_read_bytes_sec': '10'}}"],
            ("Compute", "PUT /flavors/{id}/os-extra_specs/{key}") => ["{'hw:cpu_policy': 'dedicated'}"],
            ("Compute", "POST /flavors/{id}/action") => ["{'addTenantAccess': {'tenant': '$PROJECT'}}", "{'removeTenantAccess': {'tenant': '$PROJECT'}}"],
            ("Compute", "POST /os-keypairs") => ["{'keypair': {'name': 'k', 'type': 'ssh', 'user_id': '$USER'}}", "{'keypair': {'name': 'k2', 'public_key': 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC0 x@y'}}"],
            ("Compute", "POST /os-aggregates") => ["{'aggregate': {'name': 'a', 'availability_zone': 'z'}}"],
            ("Compute", "PUT /os-aggregates/{id}") => ["{'aggregate': {'name': 'b', 'availability_zone': 'y'}}"],
            ("Compute", "POST /os-aggregates/{id}/action") => ["{'add_host': {'host': 'compute-regionone'}}", "{'remove_host': {'host': 'h'}}", "{'set_metadata': {'metadata': {'a': 'b', 'c': null}}}"],

            ("Volume", "POST /volumes") => ["{'volume': {'size': 1, 'name': 'v', 'description': 'd', 'volume_type': '__DEFAULT__', 'availability_zone': 'nova', 'metadata': {'a': 'b'}, 'imageRef': '$IMAGE', 'multiattach': false, 'consistencygroup_id': null}}",
                "{'volume': {'snapshot_id': '$SNAPSHOT'}}", "{'volume': {'source_volid': '$VOLUME', 'size': 2}}"],
            ("Volume", "PUT /volumes/{id}") => ["{'volume': {'name': 'n', 'description': 'd', 'metadata': {'x': 'y'}}}"],
            ("Volume", "POST /volumes/{id}/action") =>
            [
                "{'os-extend': {'new_size': 2}}", "{'os-attach': {'instance_uuid': '$SERVER', 'mountpoint': '/dev/vdc', 'mode': 'rw'}}", "{'os-detach': {'attachment_id': 'x'}}",
                "{'os-reserve': null}", "{'os-unreserve': null}", "{'os-begin_detaching': null}", "{'os-roll_detaching': null}", "{'os-reset_status': {'status': 'available', 'attach_status': 'detached', 'migration_status': null}}",
                "{'os-set_bootable': {'bootable': true}}", "{'os-retype': {'new_type': 'fuzztype', 'migration_policy': 'never'}}", "{'os-update_readonly_flag': {'readonly': true}}",
                "{'os-volume_upload_image': {'image_name': 'i', 'disk_format': 'raw', 'container_format': 'bare', 'force': false, 'visibility': 'private', 'protected': false}}",
                "{'os-force_delete': {}}", "{'os-force_detach': {'attachment_id': null, 'connector': {'host': 'h'}}}", "{'os-initialize_connection': {'connector': {'host': 'h', 'initiator': 'i'}}}",
                "{'os-terminate_connection': {'connector': {'host': 'h'}}}", "{'os-set_image_metadata': {'metadata': {'a': 'b'}}}", "{'revert': {'snapshot_id': '$SNAPSHOT'}}",
            ],
            ("Volume", "POST /volumes/{id}/metadata" or "PUT /volumes/{id}/metadata" or "POST /snapshots/{id}/metadata" or "PUT /snapshots/{id}/metadata") => ["{'metadata': {'a': 'b', 'k': 'v'}}"],
            ("Volume", "PUT /volumes/{id}/metadata/{key}") => ["{'meta': {'k': 'v2'}}"],
            ("Volume", "POST /snapshots") => ["{'snapshot': {'volume_id': '$VOLUME', 'name': 's', 'description': 'd', 'force': true, 'metadata': {'a': 'b'}}}"],
            ("Volume", "PUT /snapshots/{id}") => ["{'snapshot': {'name': 'n', 'description': 'd'}}"],
            ("Volume", "POST /backups") => ["{'backup': {'volume_id': '$VOLUME', 'name': 'b', 'description': 'd', 'incremental': false, 'force': true, 'container': 'c', 'snapshot_id': null}}"],
            ("Volume", "PUT /backups/{id}") => ["{'backup': {'name': 'n', 'description': 'd'}}"],
            ("Volume", "POST /backups/{id}/restore") => ["{'restore': {'name': 'r', 'volume_id': null}}", "{'restore': {'volume_id': '$VOLUME'}}"],
            ("Volume", "POST /backups/{id}/action") => ["{'os-reset_status': {'status': 'available'}}"],
            ("Volume", "POST /types") => ["{'volume_type': {'name': 't', 'description': 'd', 'os-volume-type-access:is_public': true, 'extra_specs': {'a': 'b'}}}"],
            ("Volume", "PUT /types/{id}") => ["{'volume_type': {'name': 't2', 'description': 'd', 'is_public': true}}"],
            ("Volume", "POST /types/{id}/extra_specs") => ["{'extra_specs': {'a': 'c', 'volume_backend_name': 'lvm'}}"],

            ("Image", "POST /images") => ["{'name': 'i', 'disk_format': 'raw', 'container_format': 'bare', 'visibility': 'private', 'min_disk': 0, 'min_ram': 0, 'protected': false, 'tags': ['t'], 'os_hidden': false, 'owner': '$ADMINPROJECT', 'custom': 'x'}",
                "{'id': '6a1f2c3d-0000-4000-8000-000000000001', 'name': null, 'visibility': 'shared'}"],
            ("Image", "PATCH /images/{id}") => ["[{'op': 'replace', 'path': '/name', 'value': 'n'}, {'op': 'add', 'path': '/custom', 'value': 'x'}, {'op': 'remove', 'path': '/custom'}, {'op': 'add', 'path': '/tags/-', 'value': 't2'}, {'op': 'replace', 'path': '/min_ram', 'value': 1}]"],

            ("Identity", "POST /auth/tokens") => ["{'auth': {'identity': {'methods': ['password'], 'password': {'user': {'name': 'demo', 'domain': {'name': 'Default'}, 'password': 'demo-secret'}}}, 'scope': {'project': {'name': 'demo', 'domain': {'id': 'default'}}}}}",
                "{'auth': {'identity': {'methods': ['token'], 'token': {'id': 'x'}}, 'scope': {'project': {'id': '$PROJECT'}}}}", "{'auth': {'identity': {'methods': ['password'], 'password': {'user': {'id': '$USER', 'password': 'demo-secret'}}}, 'scope': 'unscoped'}}"],
            ("Identity", "POST /regions") => ["{'region': {'id': 'r', 'parent_region_id': 'RegionOne', 'description': 'd'}}"],
            ("Identity", "POST /services") => ["{'service': {'type': 't', 'name': 'n', 'description': 'd', 'enabled': true}}"],
            ("Identity", "POST /projects") => ["{'project': {'name': 'p', 'description': 'd', 'domain_id': 'default', 'enabled': true, 'parent_id': 'default', 'is_domain': false, 'tags': ['t']}}"],
            ("Identity", "PATCH /projects/{id}") => ["{'project': {'name': 'demo', 'description': 'd', 'enabled': true, 'domain_id': 'default'}}"],
            ("Identity", "POST /users") => ["{'user': {'name': 'u', 'password': 'p', 'domain_id': 'default', 'default_project_id': '$PROJECT', 'enabled': true, 'email': 'e@x', 'description': 'd'}}"],
            ("Identity", "PATCH /users/{id}") => ["{'user': {'name': 'demo', 'password': 'demo-secret', 'enabled': true, 'default_project_id': '$PROJECT', 'email': 'e@x'}}"],
            ("Identity", "POST /users/{id}/password") => ["{'user': {'original_password': 'demo-secret', 'password': 'demo-secret'}}"],
            ("Identity", "POST /roles") => ["{'role': {'name': 'r', 'description': 'd'}}"],
            ("Identity", "POST /endpoints") => ["{'endpoint': {'service_id': '$SERVICE', 'interface': 'public', 'url': 'http://127.0.0.1:1/x', 'region_id': 'RegionOne', 'enabled': true}}"],
            _ => [],
        };
        return [.. json.Select(P)];
    }
}
