using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Tricircle.Emulator.Regions.Compute;

/// <summary>Flavors (with extra specs and access) and keypairs.</summary>
internal sealed partial class NovaApi
{
    private void MapFlavors(IEndpointRouteBuilder app)
    {
        Route(app, "GET", "/flavors", c => ListFlavorsAsync(c, detail: false));
        Route(app, "GET", "/flavors/detail", c => ListFlavorsAsync(c, detail: true));
        Route(app, "GET", "/flavors/{id}", ShowFlavorAsync);
        Route(app, "POST", "/flavors", CreateFlavorAsync);
        Route(app, "PUT", "/flavors/{id}", UpdateFlavorAsync);
        Route(app, "DELETE", "/flavors/{id}", DeleteFlavorAsync);
        Route(app, "GET", "/flavors/{id}/os-extra_specs", ListExtraSpecsAsync);
        Route(app, "POST", "/flavors/{id}/os-extra_specs", CreateExtraSpecsAsync);
        Route(app, "GET", "/flavors/{id}/os-extra_specs/{key}", ShowExtraSpecAsync);
        Route(app, "PUT", "/flavors/{id}/os-extra_specs/{key}", UpdateExtraSpecAsync);
        Route(app, "DELETE", "/flavors/{id}/os-extra_specs/{key}", DeleteExtraSpecAsync);
        Route(app, "GET", "/flavors/{id}/os-flavor-access", ListFlavorAccessAsync);
        Route(app, "POST", "/flavors/{id}/action", FlavorActionAsync);
    }

    private static bool CanUse(Flavor flavor, Caller caller) => flavor.IsPublic || caller.IsAdmin || flavor.Projects.Contains(caller.ProjectId);

    private Flavor FindFlavorLocked(string id, Caller caller) =>
        State.Flavors.FirstOrDefault(f => f.Id == id && CanUse(f, caller))
        ?? throw OpenStackFault.NotFound($"Flavor {id} could not be found.");

    private static JsonObject FlavorJson(HttpContext context, Flavor flavor, bool detail)
    {
        var json = new JsonObject { ["id"] = flavor.Id, ["name"] = flavor.Name };
        if (detail)
        {
            json["ram"] = flavor.Ram;
            json["disk"] = flavor.Disk;
            json["swap"] = flavor.Swap == 0 && !AtLeast(context, 75) ? "" : flavor.Swap;
            json["OS-FLV-EXT-DATA:ephemeral"] = flavor.Ephemeral;
            json["OS-FLV-DISABLED:disabled"] = false;
            json["vcpus"] = flavor.Vcpus;
            json["os-flavor-access:is_public"] = flavor.IsPublic;
            json["rxtx_factor"] = flavor.RxtxFactor;
        }

        json["links"] = Links(context, "flavors", flavor.Id);
        if (AtLeast(context, 55))
        {
            json["description"] = flavor.Description;
        }

        if (detail && AtLeast(context, 61))
        {
            json["extra_specs"] = NovaState.ToJson(flavor.ExtraSpecs);
        }

        return json;
    }

    private async Task ListFlavorsAsync(HttpContext context, bool detail)
    {
        var caller = context.Caller();
        var limit = QueryLimit(context);
        var marker = Query(context, "marker");
        int? minRam = null, minDisk = null;
        if (Query(context, "minRam") is { } ramText)
        {
            minRam = int.TryParse(ramText, CultureInfo.InvariantCulture, out var v) ? v : throw OpenStackFault.BadRequest($"Invalid minRam filter [{ramText}]");
        }

        if (Query(context, "minDisk") is { } diskText)
        {
            minDisk = int.TryParse(diskText, CultureInfo.InvariantCulture, out var v) ? v : throw OpenStackFault.BadRequest($"Invalid minDisk filter [{diskText}]");
        }

        // Nova: admins see public flavors by default, is_public=false the private ones, None/all both; others public plus their own.
        bool? isPublic = true;
        if (caller.IsAdmin && Query(context, "is_public") is { } publicText)
        {
            isPublic = publicText.ToLowerInvariant() switch
            {
                "none" or "all" => null,
                "true" or "t" or "1" or "yes" or "y" or "on" => true,
                "false" or "f" or "0" or "no" or "n" or "off" => false,
                _ => throw OpenStackFault.BadRequest($"Invalid is_public filter [{publicText}]"),
            };
        }

        var sortKey = Query(context, "sort_key") ?? "flavorid";
        var sortDir = Query(context, "sort_dir") ?? "asc";
        if (sortDir is not ("asc" or "desc"))
        {
            throw OpenStackFault.BadRequest($"Invalid input for query parameters sort_dir. Value: {sortDir}. '{sortDir}' is not one of ['asc', 'desc']");
        }

        Func<Flavor, IComparable> key = sortKey switch
        {
            "flavorid" or "id" => f => f.Id,
            "name" => f => f.Name,
            "memory_mb" => f => f.Ram,
            "vcpus" => f => f.Vcpus,
            "root_gb" => f => f.Disk,
            "ephemeral_gb" => f => f.Ephemeral,
            "swap" => f => f.Swap,
            "rxtx_factor" => f => f.RxtxFactor,
            "created_at" => f => f.CreatedAt,
            _ => throw OpenStackFault.BadRequest($"Invalid input for query parameters sort_key. Value: {sortKey}. '{sortKey}' is not one of ['created_at', 'description', 'disabled', 'ephemeral_gb', 'flavorid', 'id', 'is_public', 'memory_mb', 'name', 'root_gb', 'rxtx_factor', 'swap', 'updated_at', 'vcpu_weight', 'vcpus']"),
        };

        List<Flavor> flavors;
        lock (State.Sync)
        {
            flavors = [.. State.Flavors.Where(f =>
                (caller.IsAdmin ? isPublic is null || f.IsPublic == isPublic : f.IsPublic || f.Projects.Contains(caller.ProjectId))
                && (minRam is null || f.Ram >= minRam) && (minDisk is null || f.Disk >= minDisk))];
        }

        flavors = sortDir == "asc" ? [.. flavors.OrderBy(key)] : [.. flavors.OrderByDescending(key)];
        if (marker is not null)
        {
            var index = flavors.FindIndex(f => f.Id == marker);
            if (index < 0)
            {
                throw OpenStackFault.BadRequest($"marker [{marker}] not found");
            }

            flavors = flavors[(index + 1)..];
        }

        var response = new JsonObject();
        if (limit is { } max && flavors.Count > max)
        {
            flavors = flavors[..max];
        }

        response["flavors"] = new JsonArray([.. flavors.Select(f => (JsonNode)FlavorJson(context, f, detail))]);
        if (limit is { } l && l > 0 && flavors.Count == l)
        {
            response["flavors_links"] = NextLinks(context, detail ? "flavors/detail" : "flavors", l, flavors[^1].Id);
        }

        await Ok(context, response);
    }

    private async Task ShowFlavorAsync(HttpContext context)
    {
        Flavor flavor;
        lock (State.Sync)
        {
            flavor = FindFlavorLocked(Param(context, "id"), context.Caller());
        }

        await Ok(context, new JsonObject { ["flavor"] = FlavorJson(context, flavor, detail: true) });
    }

    private async Task CreateFlavorAsync(HttpContext context)
    {
        RequireAdmin(context, "os-flavor-manage:create");
        var body = await Body(context, "flavor");
        var allowed = new List<string> { "name", "id", "ram", "vcpus", "disk", "OS-FLV-EXT-DATA:ephemeral", "swap", "rxtx_factor", "os-flavor-access:is_public" };
        if (AtLeast(context, 55))
        {
            allowed.Add("description");
        }

        NoExtraKeys(body, "flavor", [.. allowed]);
        var name = ReqString(body, "name", "flavor");
        var id = OptString(body, "id", 255, allowEmpty: false) ?? RegionContext.NewId();
        if (!FlavorIdPattern().IsMatch(id))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute id. Value: {id}. '{id}' does not match '^(?! )[a-zA-Z0-9. _-]+(?<! )$'");
        }

        var flavor = new Flavor
        {
            Id = id,
            Name = name,
            Ram = OptInt(body, "ram", 1) ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute flavor. Value: {body.ToJsonString()}. 'ram' is a required property"),
            Vcpus = OptInt(body, "vcpus", 1) ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute flavor. Value: {body.ToJsonString()}. 'vcpus' is a required property"),
            Disk = OptInt(body, "disk", 0) ?? throw OpenStackFault.BadRequest($"Invalid input for field/attribute flavor. Value: {body.ToJsonString()}. 'disk' is a required property"),
            Ephemeral = OptInt(body, "OS-FLV-EXT-DATA:ephemeral", 0) ?? 0,
            Swap = OptInt(body, "swap", 0) ?? 0,
            RxtxFactor = body["rxtx_factor"] is JsonValue rxtx && rxtx.TryGetValue<double>(out var factor) && factor > 0 ? factor : 1.0,
            IsPublic = OptBool(body, "os-flavor-access:is_public") ?? true,
            Description = OptString(body, "description", 65535),
            CreatedAt = region.Time.GetUtcNow(),
        };
        lock (State.Sync)
        {
            if (State.Flavors.Any(f => f.Name == name))
            {
                throw OpenStackFault.Conflict($"Flavor with name {name} already exists.");
            }

            if (State.Flavors.Any(f => f.Id == id))
            {
                throw OpenStackFault.Conflict($"Flavor with ID {id} already exists.");
            }

            State.Flavors.Add(flavor);
        }

        await Ok(context, new JsonObject { ["flavor"] = FlavorJson(context, flavor, detail: true) });
    }

    private async Task UpdateFlavorAsync(HttpContext context)
    {
        if (!AtLeast(context, 55))
        {
            throw new OpenStackFault(405, "The method is not allowed for this resource.");
        }

        RequireAdmin(context, "os-flavor-manage:update");
        var body = await Body(context, "flavor");
        NoExtraKeys(body, "flavor", "description");
        if (!body.ContainsKey("description"))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute flavor. Value: {body.ToJsonString()}. 'description' is a required property");
        }

        Flavor flavor;
        lock (State.Sync)
        {
            flavor = FindFlavorLocked(Param(context, "id"), context.Caller());
            flavor.Description = OptString(body, "description", 65535);
        }

        await Ok(context, new JsonObject { ["flavor"] = FlavorJson(context, flavor, detail: true) });
    }

    private Task DeleteFlavorAsync(HttpContext context)
    {
        RequireAdmin(context, "os-flavor-manage:delete");
        lock (State.Sync)
        {
            var flavor = FindFlavorLocked(Param(context, "id"), context.Caller());
            State.Flavors.Remove(flavor);
        }

        return NoContent(context, 202);
    }

    private async Task ListExtraSpecsAsync(HttpContext context)
    {
        JsonObject specs;
        lock (State.Sync)
        {
            specs = NovaState.ToJson(FindFlavorLocked(Param(context, "id"), context.Caller()).ExtraSpecs);
        }

        await Ok(context, new JsonObject { ["extra_specs"] = specs });
    }

    private async Task CreateExtraSpecsAsync(HttpContext context)
    {
        RequireAdmin(context, "os-flavor-extra-specs:create");
        var body = await RegionHttp.ReadObjectAsync(context);
        var specs = StringMap(body, "extra_specs");
        if (body["extra_specs"] is null)
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute extra_specs. Value: {body.ToJsonString()}. 'extra_specs' is a required property");
        }

        lock (State.Sync)
        {
            var flavor = FindFlavorLocked(Param(context, "id"), context.Caller());
            foreach (var (key, value) in specs)
            {
                flavor.ExtraSpecs[key] = value;
            }
        }

        await Ok(context, new JsonObject { ["extra_specs"] = NovaState.ToJson(specs) });
    }

    private async Task ShowExtraSpecAsync(HttpContext context)
    {
        var key = Param(context, "key");
        string value;
        lock (State.Sync)
        {
            var flavor = FindFlavorLocked(Param(context, "id"), context.Caller());
            value = flavor.ExtraSpecs.TryGetValue(key, out var v) ? v : throw OpenStackFault.NotFound($"Flavor {flavor.Id} has no extra specs with key {key}.");
        }

        await Ok(context, new JsonObject { [key] = value });
    }

    private async Task UpdateExtraSpecAsync(HttpContext context)
    {
        RequireAdmin(context, "os-flavor-extra-specs:update");
        var key = Param(context, "key");
        var body = await RegionHttp.ReadObjectAsync(context);
        if (body.Count > 1)
        {
            throw OpenStackFault.BadRequest("Request body contains too many items");
        }

        if (!body.ContainsKey(key))
        {
            throw OpenStackFault.BadRequest("Request body and URI mismatch");
        }

        var value = StringMap(new JsonObject { ["v"] = new JsonObject { [key] = body[key]?.DeepClone() } }, "v")[key];
        lock (State.Sync)
        {
            FindFlavorLocked(Param(context, "id"), context.Caller()).ExtraSpecs[key] = value;
        }

        await Ok(context, new JsonObject { [key] = value });
    }

    private Task DeleteExtraSpecAsync(HttpContext context)
    {
        RequireAdmin(context, "os-flavor-extra-specs:delete");
        var key = Param(context, "key");
        lock (State.Sync)
        {
            var flavor = FindFlavorLocked(Param(context, "id"), context.Caller());
            if (!flavor.ExtraSpecs.Remove(key))
            {
                throw OpenStackFault.NotFound($"Flavor {flavor.Id} has no extra specs with key {key}.");
            }
        }

        return NoContent(context, 200);
    }

    private static JsonObject AccessList(Flavor flavor) => new()
    {
        ["flavor_access"] = new JsonArray([.. flavor.Projects.Select(p => (JsonNode)new JsonObject { ["flavor_id"] = flavor.Id, ["tenant_id"] = p })]),
    };

    private async Task ListFlavorAccessAsync(HttpContext context)
    {
        RequireAdmin(context, "os-flavor-access");
        JsonObject result;
        lock (State.Sync)
        {
            var flavor = FindFlavorLocked(Param(context, "id"), context.Caller());
            if (flavor.IsPublic)
            {
                throw OpenStackFault.NotFound("Access list not available for public flavors.");
            }

            result = AccessList(flavor);
        }

        await Ok(context, result);
    }

    private async Task FlavorActionAsync(HttpContext context)
    {
        var body = await RegionHttp.ReadObjectAsync(context);
        var add = body["addTenantAccess"] as JsonObject;
        var remove = body["removeTenantAccess"] as JsonObject;
        if (add is null && remove is null)
        {
            throw OpenStackFault.BadRequest("There is no such action: " + string.Join(", ", body.Select(p => p.Key)));
        }

        RequireAdmin(context, add is not null ? "os-flavor-access:add_tenant_access" : "os-flavor-access:remove_tenant_access");
        var tenant = ReqString(add ?? remove!, "tenant", add is not null ? "addTenantAccess" : "removeTenantAccess");
        JsonObject result;
        lock (State.Sync)
        {
            var flavor = FindFlavorLocked(Param(context, "id"), context.Caller());
            if (add is not null)
            {
                if (flavor.IsPublic)
                {
                    throw OpenStackFault.Conflict("Can not add access to a public flavor.");
                }

                if (flavor.Projects.Contains(tenant))
                {
                    throw OpenStackFault.Conflict($"Flavor access already exists for flavor {flavor.Id} and project {tenant} combination.");
                }

                flavor.Projects.Add(tenant);
            }
            else if (!flavor.Projects.Remove(tenant))
            {
                throw OpenStackFault.NotFound($"Flavor access not found for {flavor.Id} / {tenant} combination.");
            }

            result = AccessList(flavor);
        }

        await Ok(context, result);
    }

    [GeneratedRegex(@"^(?! )[a-zA-Z0-9. _-]+(?<! )$")]
    private static partial Regex FlavorIdPattern();

    // ---- keypairs ----

    private void MapKeypairs(IEndpointRouteBuilder app)
    {
        Route(app, "GET", "/os-keypairs", ListKeypairsAsync);
        Route(app, "POST", "/os-keypairs", CreateKeypairAsync);
        Route(app, "GET", "/os-keypairs/{name}", ShowKeypairAsync);
        Route(app, "DELETE", "/os-keypairs/{name}", DeleteKeypairAsync);
    }

    /// <summary>The user whose keypairs are meant: the caller, or <c>?user_id=</c> for admins (2.10+).</summary>
    private static string KeypairUser(HttpContext context, string? requested = null)
    {
        var caller = context.Caller();
        requested ??= AtLeast(context, 10) ? Query(context, "user_id") : null;
        if (requested is null || requested == caller.UserId)
        {
            return caller.UserId;
        }

        RequireAdmin(context, "os-keypairs:index");
        return requested;
    }

    private static JsonObject KeypairJson(HttpContext context, Keypair keypair, bool full)
    {
        var json = new JsonObject
        {
            ["name"] = keypair.Name,
            ["public_key"] = keypair.PublicKey,
            ["fingerprint"] = keypair.Fingerprint,
        };
        if (AtLeast(context, 2))
        {
            json["type"] = keypair.Type;
        }

        if (full)
        {
            json["user_id"] = keypair.UserId;
            json["created_at"] = DbTime(keypair.CreatedAt);
            json["deleted"] = false;
            json["deleted_at"] = null;
            json["updated_at"] = null;
            json["id"] = keypair.Id;
        }

        return json;
    }

    private async Task ListKeypairsAsync(HttpContext context)
    {
        var user = KeypairUser(context);
        List<Keypair> keypairs;
        lock (State.Sync)
        {
            keypairs = [.. State.Keypairs.Where(k => k.UserId == user).OrderBy(k => k.Name, StringComparer.Ordinal)];
        }

        var response = new JsonObject();
        if (AtLeast(context, 35))
        {
            if (Query(context, "marker") is { } marker)
            {
                var index = keypairs.FindIndex(k => k.Name == marker);
                keypairs = index < 0 ? throw OpenStackFault.BadRequest($"marker [{marker}] not found") : keypairs[(index + 1)..];
            }

            if (QueryLimit(context) is { } limit && keypairs.Count >= limit)
            {
                keypairs = keypairs[..limit];
                if (limit > 0)
                {
                    response["keypairs_links"] = NextLinks(context, "os-keypairs", limit, keypairs[^1].Name);
                }
            }
        }

        response["keypairs"] = new JsonArray([.. keypairs.Select(k => (JsonNode)new JsonObject { ["keypair"] = KeypairJson(context, k, full: false) })]);
        await Ok(context, response);
    }

    private async Task ShowKeypairAsync(HttpContext context)
    {
        var user = KeypairUser(context);
        var name = Param(context, "name");
        Keypair keypair;
        lock (State.Sync)
        {
            keypair = State.Keypairs.FirstOrDefault(k => k.UserId == user && k.Name == name) ?? throw OpenStackFault.NotFound($"Keypair {name} not found for user {user}");
        }

        await Ok(context, new JsonObject { ["keypair"] = KeypairJson(context, keypair, full: true) });
    }

    private Task DeleteKeypairAsync(HttpContext context)
    {
        var user = KeypairUser(context);
        var name = Param(context, "name");
        lock (State.Sync)
        {
            var keypair = State.Keypairs.FirstOrDefault(k => k.UserId == user && k.Name == name) ?? throw OpenStackFault.NotFound($"Keypair {name} not found for user {user}");
            State.Keypairs.Remove(keypair);
        }

        return NoContent(context, AtLeast(context, 2) ? 204 : 202);
    }

    private async Task CreateKeypairAsync(HttpContext context)
    {
        var body = await Body(context, "keypair");
        var allowed = new List<string> { "name", "public_key" };
        if (AtLeast(context, 2))
        {
            allowed.Add("type");
        }

        if (AtLeast(context, 10))
        {
            allowed.Add("user_id");
        }

        NoExtraKeys(body, "keypair", [.. allowed]);
        var name = ReqString(body, "name", "keypair");
        if (!KeypairNamePattern().IsMatch(name))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute name. Value: {name}. '{name}' does not match '^[a-zA-Z0-9 @._-]+$'");
        }

        var type = OptString(body, "type") ?? "ssh";
        if (type is not ("ssh" or "x509"))
        {
            throw OpenStackFault.BadRequest($"Invalid input for field/attribute type. Value: {type}. '{type}' is not one of ['ssh', 'x509']");
        }

        var user = KeypairUser(context, OptString(body, "user_id"));
        var publicKey = OptString(body, "public_key", int.MaxValue);
        string? privateKey = null;
        string fingerprint;
        if (type == "x509")
        {
            // nova/crypto.py: a client certificate made for the user, or the PEM given; SHA-1 fingerprint.
            if (publicKey is null)
            {
                (publicKey, privateKey, fingerprint) = NewCertificate(user, region.Time.GetUtcNow());
            }
            else
            {
                fingerprint = CertificateFingerprint(publicKey)
                    ?? throw OpenStackFault.BadRequest("Keypair data is invalid: failed to generate X509 fingerprint. Error message: Unable to load certificate.");
            }
        }
        else if (publicKey is null)
        {
            using var rsa = RSA.Create(2048);
            var parameters = rsa.ExportParameters(includePrivateParameters: false);
            var blob = SshBlob(parameters.Exponent!, parameters.Modulus!);
            publicKey = $"ssh-rsa {Convert.ToBase64String(blob)} Generated-by-Nova";
            privateKey = rsa.ExportRSAPrivateKeyPem() + "\n";
            fingerprint = Fingerprint(blob);
        }
        else
        {
            var parts = publicKey.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            byte[]? blob = null;
            if (parts.Length >= 2 && parts[0].StartsWith("ssh-", StringComparison.Ordinal) || parts.Length >= 2 && parts[0].StartsWith("ecdsa-", StringComparison.Ordinal))
            {
                try
                {
                    blob = Convert.FromBase64String(parts[1]);
                }
                catch (FormatException)
                {
                    blob = null;
                }
            }

            fingerprint = blob is null ? throw OpenStackFault.BadRequest("Keypair data is invalid: failed to generate fingerprint") : Fingerprint(blob);
        }

        Keypair keypair;
        lock (State.Sync)
        {
            if (State.Keypairs.Any(k => k.UserId == user && k.Name == name))
            {
                throw OpenStackFault.Conflict($"Key pair '{name}' already exists.");
            }

            if (State.Keypairs.Count(k => k.UserId == user) >= NovaLimits.KeyPairs)
            {
                throw OpenStackFault.Forbidden("Quota exceeded, too many key pairs.");
            }

            keypair = new Keypair { Id = State.NextKeypairId++, Name = name, UserId = user, PublicKey = publicKey, Fingerprint = fingerprint, Type = type, CreatedAt = region.Time.GetUtcNow() };
            State.Keypairs.Add(keypair);
        }

        var json = KeypairJson(context, keypair, full: false);
        json["user_id"] = user;
        if (privateKey is not null)
        {
            json["private_key"] = privateKey;
        }

        await Ok(context, new JsonObject { ["keypair"] = json }, AtLeast(context, 2) ? 201 : 200);
    }

    /// <summary>As Nova's <c>generate_winrm_x509_cert</c>: CN=user, UPN user@localhost, clientAuth, ten years; the key as base64 PKCS#12 without a password.</summary>
    private static (string Certificate, string PrivateKey, string Fingerprint) NewCertificate(string userId, DateTimeOffset now)
    {
        using var rsa = RSA.Create(2048);
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName(userId);
        var request = new CertificateRequest(subject.Build(), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        var names = new SubjectAlternativeNameBuilder();
        names.AddUserPrincipalName(userId + "@localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(now, now.AddDays(3650));
        return (certificate.ExportCertificatePem() + "\n", Convert.ToBase64String(certificate.Export(X509ContentType.Pkcs12, "")), Sha1Fingerprint(certificate.RawData));
    }

    /// <summary>The SHA-1 fingerprint of the first PEM certificate in the text, or null (Nova's "failed to generate X509 fingerprint").</summary>
    private static string? CertificateFingerprint(string pem)
    {
        var rest = pem.AsSpan();
        while (PemEncoding.TryFind(rest, out var fields))
        {
            if (rest[fields.Label].SequenceEqual("CERTIFICATE"))
            {
                try
                {
                    using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(rest[fields.Base64Data].ToString()));
                    return Sha1Fingerprint(certificate.RawData);
                }
                catch (Exception e) when (e is CryptographicException or FormatException)
                {
                    return null;
                }
            }

            rest = rest[fields.Location.End..];
        }

        return null;
    }

#pragma warning disable CA5350 // Nova's x509 fingerprint is SHA-1 by definition
    private static string Sha1Fingerprint(byte[] der) => string.Join(':', SHA1.HashData(der).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
#pragma warning restore CA5350

    private static byte[] SshBlob(byte[] exponent, byte[] modulus)
    {
        using var stream = new MemoryStream();
        void Write(byte[] data)
        {
            var length = BitConverter.GetBytes(data.Length);
            if (BitConverter.IsLittleEndian)
            {
                Array.Reverse(length);
            }

            stream.Write(length);
            stream.Write(data);
        }

        static byte[] MpInt(byte[] value) => value.Length > 0 && value[0] >= 0x80 ? [0, .. value] : value;
        Write(Encoding.ASCII.GetBytes("ssh-rsa"));
        Write(MpInt(exponent));
        Write(MpInt(modulus));
        return stream.ToArray();
    }

#pragma warning disable CA5351 // the SSH key fingerprint Nova reports is MD5 by definition
    private static string Fingerprint(byte[] blob) => string.Join(':', MD5.HashData(blob).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
#pragma warning restore CA5351

    [GeneratedRegex(@"^[a-zA-Z0-9 @._-]+$")]
    private static partial Regex KeypairNamePattern();
}

/// <summary>Nova's default quotas (what <c>/limits</c> reports).</summary>
internal static class NovaLimits
{
    public const int Instances = 10;
    public const int Cores = 20;
    public const int Ram = 51200;
    public const int KeyPairs = 100;
    public const int MetadataItems = 128;
    public const int ServerGroups = 10;
    public const int ServerGroupMembers = 10;
}
