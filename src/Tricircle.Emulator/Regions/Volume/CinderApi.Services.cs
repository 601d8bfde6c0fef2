using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Regions.Volume;

/// <summary>A row of Cinder's <c>services</c> table.</summary>
internal sealed class CinderService(string binary, string host, string zone)
{
    public string Binary { get; } = binary;

    public string Host { get; } = host;

    public string Zone { get; } = zone;

    public bool Disabled { get; set; }

    public string? DisabledReason { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Cinder v3 <c>os-services</c> (admin only, as <c>volume_extension:services:*</c> is by default): list, enable, disable, disable-log-reason.</summary>
internal static partial class CinderApi
{
    private static Task ListServicesAsync(CinderRequest r)
    {
        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:services:index");
        }

        var host = r.Http.Request.Query["host"].LastOrDefault();
        var binary = r.Http.Request.Query["binary"].LastOrDefault();
        var list = new JsonArray();
        lock (r.State.Sync)
        {
            foreach (var s in r.State.Services.Where(s => (string.IsNullOrEmpty(host) || s.Host == host) && (string.IsNullOrEmpty(binary) || s.Binary == binary)))
            {
                var json = new JsonObject
                {
                    ["binary"] = s.Binary,
                    ["host"] = s.Host,
                    ["zone"] = s.Zone,
                    ["status"] = s.Disabled ? "disabled" : "enabled",
                    ["state"] = "up",
                    ["updated_at"] = RegionHttp.CinderTimestamp(s.UpdatedAt),
                };
                if (CinderState.AtLeast(r.Version, 49) && s.Binary == "cinder-volume")
                {
                    json["backend_state"] = "up";
                }

                if (CinderState.AtLeast(r.Version, 7))
                {
                    json["cluster"] = null;
                }

                json["disabled_reason"] = s.DisabledReason;
                if (s.Binary == "cinder-volume")
                {
                    json["replication_status"] = "disabled";
                    json["active_backend_id"] = null;
                    json["frozen"] = false;
                }

                list.Add(json);
            }
        }

        return r.WriteAsync(200, new JsonObject { ["services"] = list });
    }

    private static async Task UpdateServiceAsync(CinderRequest r)
    {
        if (!r.Caller.IsAdmin)
        {
            throw AdminOnly("volume_extension:services:update");
        }

        var action = r.Route("action");
        var body = await RegionHttp.ReadObjectAsync(r.Http);
        if (action is not ("enable" or "disable" or "disable-log-reason"))
        {
            throw OpenStackFault.BadRequest("Invalid input received: Unknown action");
        }

        string[] allowed = action == "disable-log-reason" ? ["binary", "host", "cluster", "service", "disabled_reason"] : ["binary", "host", "cluster", "service"];
        if (body.Select(p => p.Key).FirstOrDefault(k => !allowed.Contains(k)) is { } extra)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute {extra}. Additional properties are not allowed ('{extra}' was unexpected)");
        }

        string? Text(string key, int max = 255) => body[key] switch
        {
            null => null,
            JsonValue v when v.TryGetValue<string>(out var text) && text.Length is > 0 && text.Length <= max => text,
            var other => throw OpenStackFault.BadRequest($"Invalid input for field/attribute {key}. Value: {other.ToJsonString()}. Expected a string of 1 to {max} characters"),
        };

        var binary = Text("binary");
        var service = Text("service");
        if (binary is null && service is null)
        {
            throw OpenStackFault.BadRequest("Invalid input for field/attribute body. 'binary' is a required property");
        }

        var reason = action == "disable-log-reason" ? Text("disabled_reason") : null;
        var host = Text("host") ?? throw OpenStackFault.BadRequest("Invalid input received: Host field is missing.");
        var binaryKey = binary ?? service!;
        lock (r.State.Sync)
        {
            var found = r.State.Services.FirstOrDefault(s => s.Host == host && s.Binary == binaryKey)
                ?? throw OpenStackFault.NotFound($"Service {binaryKey} could not be found on host {host}.");
            found.Disabled = action != "enable";
            if (action == "disable-log-reason")
            {
                found.DisabledReason = reason;
            }

            found.UpdatedAt = r.Now;
        }

        var answer = new JsonObject
        {
            ["disabled"] = action != "enable",
            ["host"] = host,
            ["service"] = service ?? "",
            ["binary"] = binary ?? "",
            ["status"] = action == "enable" ? "enabled" : "disabled",
        };
        if (action == "disable-log-reason")
        {
            answer["disabled_reason"] = reason;
        }

        await r.WriteAsync(200, answer);
    }
}
