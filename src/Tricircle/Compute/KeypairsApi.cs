using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Identity;
using Tricircle.Pods;
using Tricircle.Quotas;

namespace Tricircle.Compute;

/// <summary>
/// <c>/os-keypairs</c>: keypairs are central, per user; a pod gets the public key (imported with
/// the user's own token, so that it is the user's there too) when a server there is booted with it.
/// Both of Nova's types: ssh keys and (2.2 on) x509 certificates.
/// </summary>
internal static partial class KeypairsApi
{
    private static readonly BodySchema Create = new(
        "keypair",
        new("name", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 255, Pattern = "^[a-zA-Z0-9 @._-]+$" },
        new("type", JsonKind.String) { Enum = ["ssh", "x509"], Since = new(2, 2) },
        new("public_key", JsonKind.String) { MaxLength = 65535 },
        new("user_id", JsonKind.String) { MaxLength = 255, Since = new(2, 10) });

    public static void MapKeypairsApi(this IEndpointRouteBuilder v21)
    {
        v21.MapGet("/os-keypairs", ListAsync);
        v21.MapPost("/os-keypairs", CreateAsync);
        v21.MapGet("/os-keypairs/{name}", ShowAsync);
        v21.MapDelete("/os-keypairs/{name}", DeleteAsync);
    }

    /// <summary>Whose keypairs: the caller's, or another user's for an admin at 2.10 or later.</summary>
    private static string User(HttpContext context, RequestContext caller, string? requested)
    {
        requested ??= NovaJson.AtLeast(context, 10) && context.Request.Query.TryGetValue("user_id", out var user) ? user.ToString() : null;
        if (requested is null || requested == caller.UserId)
        {
            return caller.UserId;
        }

        return caller.IsAdmin ? requested : throw ApiException.Forbidden("Policy doesn't allow os_compute_api:os-keypairs:index to be performed.");
    }

    private static JsonObject View(HttpContext context, Keypair keypair, bool full)
    {
        var json = new JsonObject { ["name"] = keypair.Name, ["public_key"] = keypair.PublicKey, ["fingerprint"] = keypair.Fingerprint };
        if (NovaJson.AtLeast(context, 2))
        {
            json["type"] = keypair.Type;
        }

        if (full)
        {
            json["user_id"] = keypair.UserId;
            json["created_at"] = keypair.CreatedAt.ToString("yyyy-MM-ddTHH:mm:ss.ffffff", CultureInfo.InvariantCulture);
            json["deleted"] = false;
            json["deleted_at"] = null;
            json["updated_at"] = null;
            json["id"] = keypair.Id;
        }

        return json;
    }

    private static async Task ListAsync(HttpContext context, KeypairStore store)
    {
        var caller = ComputeApi.Caller(context);
        var keypairs = (await store.ListAsync(User(context, caller, null), context.RequestAborted)).ToList();
        var body = new JsonObject();
        if (NovaJson.AtLeast(context, 35))
        {
            var query = context.Request.Query;
            if (query.TryGetValue("marker", out var marker))
            {
                var index = keypairs.FindIndex(k => k.Name == marker.ToString());
                keypairs = index < 0 ? throw ApiException.BadRequest($"marker [{marker}] not found") : keypairs[(index + 1)..];
            }

            if (query.TryGetValue("limit", out var limitText))
            {
                var limit = int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var l) ? l : throw ApiException.BadRequest($"Invalid limit [{limitText}]");
                // Nova links the next page whenever this one is full, more or not.
                if (keypairs.Count >= limit)
                {
                    keypairs = keypairs[..limit];
                    if (limit > 0)
                    {
                        body["keypairs_links"] = MergedList.NextLinks(ComputeApi.Url(context, "os-keypairs"), query, keypairs[^1].Name);
                    }
                }
            }
        }

        body["keypairs"] = new JsonArray([.. keypairs.Select(k => (JsonNode)new JsonObject { ["keypair"] = View(context, k, full: false) })]);
        await NovaJson.WriteAsync(context, body);
    }

    private static async Task ShowAsync(string name, HttpContext context, KeypairStore store)
    {
        var caller = ComputeApi.Caller(context);
        var user = User(context, caller, null);
        var keypair = await store.FindAsync(user, name, context.RequestAborted) ?? throw ApiException.NotFound($"Keypair {name} not found for user {user}");
        await NovaJson.WriteAsync(context, new JsonObject { ["keypair"] = View(context, keypair, full: true) });
    }

    private static async Task DeleteAsync(string name, HttpContext context, KeypairStore store)
    {
        var caller = ComputeApi.Caller(context);
        var user = User(context, caller, null);
        if (!await store.DeleteAsync(user, name, context.RequestAborted))
        {
            throw ApiException.NotFound($"Keypair {name} not found for user {user}");
        }

        // Copies in pods stay: servers booted with them keep working, and Nova keeps no link either.
        await NovaJson.NoContentAsync(context, NovaJson.AtLeast(context, 2) ? StatusCodes.Status204NoContent : StatusCodes.Status202Accepted);
    }

    private static async Task CreateAsync(HttpContext context, KeypairStore store, QuotaStore quotas)
    {
        var caller = ComputeApi.Caller(context);
        var body = await Create.ReadAsync(context, version: ComputeApi.Version(context));
        var name = body.String("name")!;
        var type = body.String("type") ?? "ssh";
        var user = User(context, caller, body.String("user_id"));
        var publicKey = body.String("public_key");
        string? privateKey = null;
        string fingerprint;
        if (type == "x509")
        {
            // A certificate: Nova makes one for the user, or imports the PEM given.
            if (publicKey is null)
            {
                (publicKey, privateKey, fingerprint) = X509Keypairs.Generate(user, context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
            }
            else
            {
                fingerprint = X509Keypairs.Fingerprint(publicKey)
                    ?? throw ApiException.BadRequest("Keypair data is invalid: failed to generate X509 fingerprint. Error message: Unable to load certificate.");
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
            fingerprint = Fingerprint(ParseSshKey(publicKey) ?? throw ApiException.BadRequest("Keypair data is invalid: failed to generate fingerprint"));
        }

        var keypair = new Keypair { UserId = user, Name = name, Type = type, PublicKey = publicKey, Fingerprint = fingerprint };
        var limits = await quotas.LimitsAsync(caller.ProjectId, context.RequestAborted);
        await store.CreateAsync(keypair, limits.GetValueOrDefault(QuotaResources.KeyPairs, -1), context.RequestAborted);
        var json = View(context, keypair, full: false);
        json["user_id"] = user;
        if (privateKey is not null)
        {
            json["private_key"] = privateKey; // shown once, never stored
        }

        await NovaJson.WriteAsync(context, new JsonObject { ["keypair"] = json }, NovaJson.AtLeast(context, 2) ? StatusCodes.Status201Created : StatusCodes.Status200OK);
    }

    /// <summary>The key blob of an OpenSSH public key line, if it is one (its type inside the blob matches the line's).</summary>
    private static byte[]? ParseSshKey(string line)
    {
        var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2)
        {
            return null;
        }

        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(parts[1]);
        }
        catch (FormatException)
        {
            return null;
        }

        if (blob.Length < 4)
        {
            return null;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(blob);
        return length > 0 && length <= blob.Length - 4 && Encoding.ASCII.GetString(blob, 4, length) == parts[0] ? blob : null;
    }

    private static byte[] SshBlob(byte[] exponent, byte[] modulus)
    {
        using var stream = new MemoryStream();
        void Write(byte[] data)
        {
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
            stream.Write(length);
            stream.Write(data);
        }

        // An SSH mpint is signed: a leading high bit needs a zero byte before it.
        static byte[] MpInt(byte[] value) => value.Length > 0 && value[0] >= 0x80 ? [0, .. value] : value;
        Write(Encoding.ASCII.GetBytes("ssh-rsa"));
        Write(MpInt(exponent));
        Write(MpInt(modulus));
        return stream.ToArray();
    }

#pragma warning disable CA5351 // Nova's fingerprint of an SSH key is MD5 by definition, not a security measure here
    private static string Fingerprint(byte[] blob) => string.Join(':', MD5.HashData(blob).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
#pragma warning restore CA5351
}
