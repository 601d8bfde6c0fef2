using System.Text;

namespace Tricircle.Hardening.Fuzz;

/// <summary>The pools of bad input the generator draws from (raw JSON texts, ids, query values).</summary>
internal static class FuzzValues
{
    /// <summary>Raw JSON values of every kind, for "a field of the wrong type".</summary>
    public static readonly string[] WrongTypes =
    [
        "\"fuzz\"", "\"\"", "\"1\"", "\"true\"", "0", "1", "-1", "1.5", "true", "false", "null", "[]", "[\"a\",1]", "[{}]", "{}", "{\"a\":\"b\"}", "{\"a\":{}}",
    ];

    /// <summary>Numbers at the edges: 2^31, 2^63, 2^64, fractions, exponents, negative zero, numbers as strings.</summary>
    public static readonly string[] Numbers =
    [
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551616", "123456789012345678901234567890", "1e308", "1e309", "-1e309", "1e-400", "-1", "-0", "0", "0.5",
        "1.0", "1.5", "-0.0", "1E2", "65535", "65536", "256", "4095", "\"2147483648\"", "\"9223372036854775808\"", "\"-1\"", "\"1.5\"", "\"0x10\"", "\"1e3\"",
        "\" 1\"", "\"٣\"", "\"\"",
    ];

    /// <summary>Strings that are odd in length, characters or meaning (JSON-encoded).</summary>
    public static readonly string[] Strings =
    [
        Json(new string('a', 256)), Json(new string('a', 300)), Json(new string('a', 65536)), Json(new string('é', 256)), Json(string.Concat(Enumerable.Repeat("😀", 200))),
        "\"\"", "\" \"", "\"  padded  \"", "\"\\u0000\"", "\"nul\\u0000byte\"", "\"\\t\\n\\r\"", "\"\\u202eevil\"", "\"\\ufeffbom\"", "\"' OR '1'='1\"", "\"%\"",
        "\"_\"", "\"\\\\\"", "\"../../etc/passwd\"", "\"<script>alert(1)</script>\"", "\"${jndi:ldap://x}\"", "\"{{7*7}}\"", "\"ünïcödé\"", "\"a\\\"b\"",
        "\"\\ud83d\\ude00\"", "\"default\"", "\"admin\"", "\"none\"", "\"auto\"", "\"az1:host\"", "\"az1:\"", "\":\"", "\"10.0.0.0/33\"", "\"999.1.1.1\"",
        "\"fa:16:3e:zz:00:00\"", "\"2001:db8::g\"", "\"-\"", "\"null\"", "\"\\u00a0\"", "\"\\u200b\"", Json("x" + new string(' ', 254) + "y"),
    ];

    /// <summary>Strings holding UTF-16 surrogates that pair with nothing (valid JSON escapes, invalid Unicode).</summary>
    public static readonly string[] LoneSurrogates = ["\"\\ud800\"", "\"a\\udfffb\"", "\"\\udc00\\ud800\"", "\"\\ud800\\u0041\"", "\"x\\ud83d\""];

    /// <summary>Byte sequences that are not UTF-8 (a lone continuation, 0xFF, an encoded surrogate, an overlong slash, a five-byte form, a cut sequence).</summary>
    public static readonly byte[][] BadUtf8 = [[0x80], [0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xFE, 0xFF]];

    /// <summary>Ids of the wrong shape (inserted into paths as they are: some are already percent-encoded).</summary>
    public static readonly string[] OddIds =
    [
        "0", "-1", "1", "null", "undefined", "x", new string('x', 300), "%00", "%2F", "..", "%2e%2e", "a%20b", "%E2%9C%93", "%FF", "%C3%28", "%F0%9F%98%80",
        "9223372036854775808", "1.5", "true", "%7B%7D", "%5B%5D", ";", "*", "_", "%25", "%27%20OR%20%271%27%3D%271", "%3Cscript%3E", "a.json", "%09",
        "00000000-0000-0000-0000-000000000000", "{uuid}", "UPPER", "-",
    ];

    /// <summary>Odd query values (percent-encoded where they must be).</summary>
    public static readonly string[] QueryValues =
    [
        "sideways", "-1", "0", "abc", "2147483648", "9223372036854775808", "1.5", "", "%00", "%FF%FE", "%E2%80%AE", "null", "true", "yes", "asc,desc",
        "name:asc", "id%3BDROP%20TABLE%20x", "%27%20OR%201%3D1", "*", "_", "%25", "%5B%5D", "%7B%7D", "1e3", "%20", "%09", "..", "%C3%28",
        new string('a', 3000), "created_at:sideways", "-0", "0x10", "1,2", "%2C", "2000-13-45T25:61:00Z", "2020-01-01T00:00:00Z", "not-a-date",
    ];

    public static readonly string[] GenericQueryNames =
    [
        "limit", "marker", "sort_key", "sort_dir", "sort", "fields", "page_reverse", "all_tenants", "all_projects", "changes-since", "changes-before", "name", "status",
        "id", "tenant_id", "project_id", "detailed", "with_count", "usage", "is_public", "minRam", "minDisk", "user_id", "tags", "offset", "deleted", "%00", "limit[]",
        "filter[name]", new string('k', 300),
    ];

    public static readonly string[] OddMethods = ["PATCH", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "TRACE", "FOO", "get", "PROPFIND", "GET"];

    public static readonly string?[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=fuzz", "application/json; charset=iso-8859-1",
        "application/json; charset=utf-16", "application/octet-stream", "*/*", "???", "application/jsonx", "application/json-patch+json", "text/json", null,
        "application/vnd.openstack.compute+json;version=2.1", "application/json;;;", "",
    ];

    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text, Relaxed);

    /// <summary>A uuid drawn from the case's own random source (reproducible).</summary>
    public static string Uuid(Random random)
    {
        var bytes = new byte[16];
        random.NextBytes(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString();
    }

    /// <summary>An id of the same shape as <paramref name="real"/> that names nothing.</summary>
    public static string UnknownLike(string real, Random random) =>
        Guid.TryParse(real, out _) ? Uuid(random)
        : real.All(char.IsAsciiDigit) ? (987654321 + random.Next(1000)).ToString(System.Globalization.CultureInfo.InvariantCulture)
        : real + "-nope" + random.Next(1000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static T Pick<T>(this Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    /// <summary>An index drawn by weight.</summary>
    public static string PickWeighted(this Random random, IReadOnlyList<(string Name, int Weight)> items)
    {
        var total = items.Sum(i => i.Weight);
        var roll = random.Next(total);
        foreach (var (name, weight) in items)
        {
            if (roll < weight)
            {
                return name;
            }

            roll -= weight;
        }

        return items[^1].Name;
    }

    /// <summary>Deeply nested JSON: arrays, or objects under "a".</summary>
    public static string Nested(int depth, bool objects)
    {
        var builder = new StringBuilder(depth * (objects ? 6 : 2));
        for (var i = 0; i < depth; i++)
        {
            builder.Append(objects ? "{\"a\":" : "[");
        }

        builder.Append(objects ? "1" : "");
        for (var i = 0; i < depth; i++)
        {
            builder.Append(objects ? '}' : ']');
        }

        return builder.ToString();
    }
}
