using System.Text;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Fuzz;

/// <summary>
/// Malformed and odd request parts a careless or hostile client sends: raw JSON text (so that
/// what a JSON writer never emits — lone surrogates, duplicate keys, invalid UTF-8, 1e400 — can
/// be sent), query strings, headers, methods and content types.
/// </summary>
internal static class FuzzInputs
{
    private const string Marker = "@@fuzz@@";

    /// <summary>Values put in place of a field, as raw JSON (bytes: some are not valid UTF-8).</summary>
    public static readonly byte[][] Values =
    [
        .. ((string[])[
            "null", "true", "false", "0", "-1", "1", "1.5", "-0.0", "2147483647", "2147483648", "-2147483649",
            "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
            "123456789012345678901234567890", "1e308", "1e400", "-1e400", "1e-400", "0.1e1",
            "\"\"", "\" \"", "\"\\u0000\"", "\"\\ud800\"", "\"a\\udc00b\"", "\"\\udfff\\ud800\"", "\"\\ud83d\\ude00\"",
            "\"" + new string('x', 256) + "\"", "\"" + new string('y', 70_000) + "\"",
            "\"-1\"", "\"0\"", "\"99999999999999999999\"", "\"1e400\"", "\"true\"", "\"None\"", "\"null\"",
            "\"10.0.0.0/33\"", "\"::/129\"", "\"300.1.1.1\"", "\"10.0.0.1/\"", "\"/24\"", "\"fe80::1%eth0\"", "\"fa:16:3e:zz:00:00\"",
            "\"not-a-uuid\"", "\"00000000-0000-0000-0000-000000000000\"", "\"%s%n%x\"", "\"../../etc/passwd\"", "\"é\"", "\"\\u202e\"",
            "\"2020-13-45T99:99:99Z\"", "\"AAAA====\"",
            "[]", "[null]", "[1, \"a\", {}]", "[[[]]]", "{}", "{\"\": null}", "{\"a\": {\"b\": {\"c\": []}}}", "{\"\\ud800\": 1}",
            "[\"\\ud800\"]", "{\"k\": \"\\ud800\"}",
        ]).Select(Encoding.UTF8.GetBytes),
        [(byte)'"', 0xff, 0xfe, (byte)'"'],
        [(byte)'"', (byte)'a', 0xc3, 0x28, (byte)'"'],
        [(byte)'"', 0xed, 0xa0, 0x80, (byte)'"'], // a surrogate encoded as UTF-8: not valid UTF-8
        [(byte)'"', 0xc0, 0xaf, (byte)'"'], // an overlong encoding
    ];

    /// <summary>Whole bodies that are not the JSON object a service wants.</summary>
    public static readonly byte[][] Bodies =
    [
        .. ((string[])[
            "", " ", "{", "}", "null", "[]", "[{}]", "1", "-1", "1e400", "\"s\"", "true", "{\"a\":}", "{'a': 1}", "{\"a\": 1,}",
            "{\"a\": NaN}", "{\"a\": Infinity}", "{\"a\": 1}garbage", "{}{}", "<xml/>", "a=1&b=2", "\u0000",
            "{\"a\": \"\\ud800\"}", "{\"\\udc00\": 1}", "{\"a\": 1, \"a\": 2}", "{\"a\": \"\\x41\"}", "{\"a\": \"\t\"}",
            "\ufeff{}", "{\"a\": 01}", "{\"a\": .5}", "{\"a\": +1}", "{\"a\": 0x10}",
            new string('[', 5000) + new string(']', 5000),
            string.Concat(Enumerable.Repeat("{\"a\":", 2000)) + "1" + new string('}', 2000),
        ]).Select(Encoding.UTF8.GetBytes),
        [(byte)'{', (byte)'"', 0xff, (byte)'"', (byte)':', (byte)'1', (byte)'}'],
        [(byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'"', 0xed, 0xb0, 0x80, (byte)'"', (byte)'}'],
        Encoding.Unicode.GetBytes("{\"a\": 1}"),
        Encoding.UTF8.GetBytes("{\"a\": \"" + new string('z', 120_000) + "\"}"), // past oslo.middleware's 114688-byte limit
        Encoding.Latin1.GetBytes("{\"a\": \"caf\u00e9\"}"),
    ];

    public static readonly string[] Queries =
    [
        "limit=-1", "limit=abc", "limit=99999999999999999999", "limit=0", "limit=1.5", "limit=", "limit", "marker=nope", "marker=%FF",
        "sort_key=nope&sort_dir=sideways", "sort_key=name&sort_dir=asc&sort_key=id", "sort_dir=desc", "sort=name:sideways", "sort=name:asc,,id",
        "fields=nope&fields=id", "fields=", "all_tenants=maybe", "all_tenants=1&project_id=x", "all_projects=2",
        "changes-since=notadate", "changes-since=2020-13-45T99:99:99Z", "changes-before=%FF",
        "status=%FF", "name=%C3%28", "name=%ED%A0%80", "page_reverse=maybe", "shared=maybe", "admin_state_up=2", "router:external=x",
        "id=a&id=b", "tags=a,,b&not-tags-any=", "deleted=maybe", "size=-1", "visibility=nope", "member_status=x",
        "created_at=gte:nope", "updated_at=nope:2020", "offset=-1", "with_count=maybe", "include_names=maybe",
        "user.id=&scope.project.id=", "effective", "nocatalog=x", "detailed=maybe", "usage=maybe", "tenant_id=x", "user_id=x",
        "type=x", "minRam=abc", "minDisk=-5", "is_public=maybe", "ip_version=9", "cidr=nonsense", "fixed_ips=ip_address%3Dx",
        "device_id=%00x", "a=%", "%=%", "=x", "&&&", "q=" + new string('z', 4000),
    ];

    /// <summary>Query parameters some service reads, for random queries of odd values.</summary>
    public static readonly string[] QueryNames =
    [
        "limit", "marker", "sort_key", "sort_dir", "sort", "fields", "all_tenants", "all_projects", "changes-since", "changes-before", "status", "name", "id",
        "tags", "tags-any", "not-tags", "not-tags-any", "shared", "admin_state_up", "router:external", "project_id", "tenant_id", "user_id", "visibility",
        "member_status", "owner", "size_min", "size_max", "created_at", "updated_at", "minRam", "minDisk", "is_public", "ip_version", "cidr", "fixed_ips",
        "device_id", "device_owner", "network_id", "mac_address", "include_names", "effective", "user.id", "scope.project.id", "role.id", "group.id",
        "scope.domain.id", "scope.system", "nocatalog", "detailed", "usage", "type", "interface", "service_id", "region_id", "parent_region_id", "domain_id",
        "enabled", "host", "hypervisor_hostname", "binary", "with_count", "offset", "deleted", "availability_zone", "image", "flavor", "ip", "ip6", "locked",
        "bootable", "metadata", "glance_metadata", "volume_type", "page_reverse", "protected", "os_hidden", "disk_format", "container_format", "checksum",
        "config_drive", "key_name", "power_state", "task_state", "vm_state", "description", "hostname", "node", "reservation_id", "revision_number",
        "subnet_id", "enable_dhcp", "gateway_ip", "direction", "ethertype", "protocol", "port_range_min", "remote_ip_prefix", "floating_ip_address", "port_id",
        "fixed_ip_address", "floating_network_id", "router_id", "security_group_id", "mtu", "provider:segmentation_id", "provider:network_type", "user",
        "project", "domain", "role", "group", "inherited", "parent_id", "is_domain", "password_expires_at", "unique_last_password_count", "name__icontains",
    ];

    public static readonly string[] QueryValues =
    [
        "", "-1", "0", "1", "1e400", "99999999999999999999", "-99999999999999999999", "abc", "%FF", "%ED%A0%80", "%C3%A9", "true", "True", "None", "null",
        "[]", "{}", "2020-13-45T99:99:99Z", "2020-01-01T00:00:00Z", "gte:x", "lt:2020-01-01", "in:a,b", "in:", "name:asc", "name:sideways", "x:y:z", ",", ",,",
        "%00", "%20", "a%26b%3Dc", "10.0.0.0/33", "fa:16:3e:zz:00:00", "asc", "desc", new string('q', 300),
    ];

    public static string RandomQuery(Random random)
    {
        var count = random.Next(1, 4);
        return string.Join('&', Enumerable.Range(0, count).Select(_ => Pick(random, QueryNames) + "=" + Pick(random, QueryValues)));
    }

    public static readonly (string Name, string Value)[] Headers =
    [
        ("Accept", "application/xml"), ("Accept", "text/html;q=abc"), ("Accept", "*/*;q=0"), ("Accept", "application/json;q=2"),
        ("OpenStack-API-Version", "compute 2.100000000000000000000"), ("OpenStack-API-Version", "compute 99999999999.1"),
        ("OpenStack-API-Version", "compute 2.0"), ("OpenStack-API-Version", "compute"), ("OpenStack-API-Version", "compute 2."),
        ("OpenStack-API-Version", "volume 3.99999999999"), ("OpenStack-API-Version", "volume abc"), ("OpenStack-API-Version", "volume 3."),
        ("OpenStack-API-Version", "volume 4.0"), ("OpenStack-API-Version", "volume -3.-1"), ("OpenStack-API-Version", "image 2.1, compute latest, volume latest"),
        ("X-OpenStack-Nova-API-Version", "2.-1"), ("X-OpenStack-Nova-API-Version", "abc"), ("X-OpenStack-Nova-API-Version", "2.99999999999"),
        ("X-Subject-Token", "garbage"), ("X-Subject-Token", ""), ("Content-Range", "bytes x-y/z"),
    ];

    public static readonly string?[] ContentTypes =
    [
        null, "text/plain", "application/json; charset=latin-1", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
        "application/openstack-images-v2.1-json-patch", "application/octet-stream", "application/*", "garbage", "application/json-patch+json",
    ];

    public static readonly string[] Methods = ["PATCH", "OPTIONS", "HEAD", "TRACE", "FOO", "PUT", "POST", "DELETE", "GET"];

    /// <summary>Ids put in place of a path parameter.</summary>
    public static readonly string[] PathValues =
    [
        "nonexistent", "-1", "0", "99999999999999999999", "%FF", "%C3%A9", "%20", "a%2Fb", "a.b", "%25", "null",
        "00000000-0000-0000-0000-000000000000", new string('x', 300), "%ED%A0%80",
    ];

    /// <summary>Every place in <paramref name="node"/> a value can be swapped: (parent, key or index).</summary>
    public static List<(JsonNode Parent, string? Key, int Index)> Slots(JsonNode node)
    {
        var slots = new List<(JsonNode, string?, int)>();
        void Walk(JsonNode? current)
        {
            switch (current)
            {
                case JsonObject obj:
                    foreach (var (key, child) in obj.ToList())
                    {
                        slots.Add((obj, key, -1));
                        Walk(child);
                    }

                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        slots.Add((array, null, i));
                        Walk(array[i]);
                    }

                    break;
            }
        }

        Walk(node);
        return slots;
    }

    /// <summary>
    /// The sample with one change, as raw bytes: a value swapped for an odd one, the
    /// key removed, or the key written twice (the odd value first or last).
    /// </summary>
    public static byte[] Mutate(JsonNode sample, Random random)
    {
        var copy = sample.DeepClone();
        var slots = Slots(copy);
        if (slots.Count == 0)
        {
            return Pick(random, Values);
        }

        var (parent, key, index) = slots[random.Next(slots.Count)];
        var raw = Pick(random, Values);
        switch (random.Next(8))
        {
            case 0 when key is not null:
                parent.AsObject().Remove(key);
                return Encoding.UTF8.GetBytes(copy.ToJsonString());
            case 1 when key is not null:
                // Duplicate key, odd value first: the real services keep the last value.
                return Splice(copy, parent, key, raw, oddFirst: true);
            case 2 when key is not null:
                return Splice(copy, parent, key, raw, oddFirst: false);
            default:
                if (key is not null)
                {
                    parent.AsObject()[key] = Marker;
                }
                else
                {
                    parent.AsArray()[index] = Marker;
                }

                return Replace(copy.ToJsonString(), "\"" + Marker + "\"", raw);
        }
    }

    private static byte[] Splice(JsonNode root, JsonNode parent, string key, byte[] raw, bool oddFirst)
    {
        var obj = parent.AsObject();
        var original = obj[key]?.ToJsonString() ?? "null";
        obj[key] = Marker;
        var keyText = System.Text.Json.JsonSerializer.Serialize(key);
        var pair = oddFirst
            ? Concat(Encoding.UTF8.GetBytes(keyText + ":"), raw, Encoding.UTF8.GetBytes("," + keyText + ":" + original))
            : Concat(Encoding.UTF8.GetBytes(keyText + ":" + original + "," + keyText + ":"), raw);
        return Replace(root.ToJsonString(), keyText + ":\"" + Marker + "\"", pair);
    }

    private static byte[] Replace(string text, string marker, byte[] raw)
    {
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        return Concat(Encoding.UTF8.GetBytes(text[..at]), raw, Encoding.UTF8.GetBytes(text[(at + marker.Length)..]));
    }

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    public static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
