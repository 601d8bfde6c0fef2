using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Errors;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>
/// <c>/v2.0/subnetpools</c> (Neutron's subnet_allocation, default-subnetpools, address-scope's
/// <c>address_scope_id</c>) and subnetpool-prefix-ops' <c>add_prefixes</c>/<c>remove_prefixes</c>.
/// Pools are central only: a subnet allocated from one reaches a pod with its CIDR.
/// </summary>
internal static class SubnetPoolsApi
{
    private static readonly BodyField Length = NeutronBody.Int with { Minimum = 0 };

    // Neutron's subnetpool attribute map (name has no default: required on create).
    private static readonly BodySchema Schema = new(
        "subnetpool",
        [
            NeutronBody.Name with { Required = true },
            NeutronBody.Description,
            new("prefixes", JsonKind.Array) { Required = true, Items = new("", JsonKind.String) { MaxLength = 64 } },
            Length with { Name = "default_quota" },
            Length with { Name = "default_prefixlen" },
            Length with { Name = "min_prefixlen" },
            Length with { Name = "max_prefixlen" },
            NeutronBody.Bool with { Name = "is_default" },
            NeutronBody.Bool with { Name = "shared", Put = false },
            new("address_scope_id", JsonKind.String | JsonKind.Null) { MaxLength = 36 },
            .. NeutronBody.Owner,
            NeutronBody.Strings with { Name = "tags", Put = false },
        ]);

    private static readonly BodySchema PrefixList = new(null, new BodyField("prefixes", JsonKind.Array) { Required = true, Items = new("", JsonKind.String) { MaxLength = 64 } });

    public static void MapSubnetPoolsApi(this IEndpointRouteBuilder v20)
    {
        v20.MapGet("/subnetpools", ListAsync);
        v20.MapPost("/subnetpools", CreateAsync);
        v20.MapGet("/subnetpools/{id}", ShowAsync);
        v20.MapPut("/subnetpools/{id}", UpdateAsync);
        v20.MapDelete("/subnetpools/{id}", DeleteAsync);
        v20.MapPut("/subnetpools/{id}/add_prefixes", (string id, HttpContext context, SubnetPoolStore store) => PrefixesAsync(id, context, store, add: true));
        v20.MapPut("/subnetpools/{id}/remove_prefixes", (string id, HttpContext context, SubnetPoolStore store) => PrefixesAsync(id, context, store, add: false));
        v20.MapTags("subnetpools", SubnetPoolStore.CountRevisionAsync, async (context, id, change) =>
        {
            var caller = context.GetRequestContext();
            var pool = await context.RequestServices.GetRequiredService<SubnetPoolStore>().GetAsync(id, caller, context.RequestAborted);
            if (change)
            {
                SubnetPoolStore.Owner(pool, caller, "update");
            }
        });
    }

    private static async Task ListAsync(HttpContext context, SubnetPoolStore store)
    {
        var query = NeutronQuery.Parse(context.Request.Query, SubnetPoolStore.Schema);
        var (rows, tags) = await store.ListAsync(query, context.GetRequestContext(), context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, query.Respond(context, "subnetpools", [.. rows.Select(r => r.ToView(tags[r.Id]))]));
    }

    private static async Task ShowAsync(string id, HttpContext context, SubnetPoolStore store)
    {
        var pool = await store.GetAsync(id, context.GetRequestContext(), context.RequestAborted);
        await NeutronBody.ShowAsync(context, "subnetpool", await store.ViewAsync(pool, context.RequestAborted));
    }

    private static async Task CreateAsync(HttpContext context, SubnetPoolStore store)
    {
        var caller = context.GetRequestContext();
        var body = await Schema.ReadAsync(context);
        var shared = AdminFlag(body, caller, "create", "shared");
        var prefixes = Prefixes(body.Strings("prefixes")!);
        var pool = new SubnetPoolRow
        {
            ProjectId = NeutronBody.OwnerOf(body, caller, "subnetpool"),
            Name = NotEmpty(body.String("name")!),
            Description = body.String("description") ?? "",
            IsDefault = AdminFlag(body, caller, "create", "is_default"),
            Shared = shared,
            AddressScopeId = ScopeId(body),
            DefaultQuota = body.Int("default_quota"),
        };
        Bounds(pool, prefixes, body.Int("min_prefixlen"), body.Int("max_prefixlen"), body.Int("default_prefixlen"));
        pool = await store.CreateAsync(pool, body.Strings("tags") ?? [], caller, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "subnetpool", await store.ViewAsync(pool, context.RequestAborted), 201);
    }

    private static async Task UpdateAsync(string id, HttpContext context, SubnetPoolStore store)
    {
        var caller = context.GetRequestContext();
        var owned = await store.GetAsync(id, caller, context.RequestAborted);
        SubnetPoolStore.Owner(owned, caller, "update");
        var body = await Schema.ReadAsync(context, BodyAction.Update);
        if (body.Has("is_default") && !caller.IsAdmin)
        {
            throw NeutronErrors.PolicyDenied("update_subnetpool:is_default");
        }

        (int IpVersion, PrefixSet Set)? newPrefixes = body.Strings("prefixes") is { } asked ? Prefixes(asked) : null;
        var pool = await store.UpdateAsync(id, caller, (row, _) =>
        {
            var prefixes = row.PrefixSet();
            if (newPrefixes is { } asked)
            {
                if (asked.IpVersion != row.IpVersion)
                {
                    throw TricircleException.Invalid("Cannot mix IPv4 and IPv6 prefixes in a subnet pool.", "PrefixVersionMismatch");
                }

                if (!asked.Set.ContainsAll(prefixes))
                {
                    throw TricircleException.Invalid("Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.", "IllegalSubnetPoolPrefixUpdate");
                }

                prefixes = asked.Set;
            }

            row.Name = body.String("name") is { } name ? NotEmpty(name) : row.Name;
            row.Description = body.String("description") ?? row.Description;
            row.IsDefault = body.Bool("is_default") ?? row.IsDefault;
            row.AddressScopeId = body.Has("address_scope_id") ? ScopeId(body) : row.AddressScopeId;
            row.DefaultQuota = body.Has("default_quota") ? body.Int("default_quota") : row.DefaultQuota;
            Bounds(row, (row.IpVersion, prefixes), body.Int("min_prefixlen") ?? row.MinPrefixlen, body.Int("max_prefixlen") ?? row.MaxPrefixlen, body.Int("default_prefixlen") ?? row.DefaultPrefixlen);
        }, context.RequestAborted);
        await NeutronBody.ShowAsync(context, "subnetpool", await store.ViewAsync(pool, context.RequestAborted));
    }

    private static async Task DeleteAsync(string id, HttpContext context, SubnetPoolStore store)
    {
        await store.DeleteAsync(id, context.GetRequestContext(), context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    /// <summary>
    /// subnetpool-prefix-ops: <c>add_prefixes</c> grows the pool (as an update with the union);
    /// <c>remove_prefixes</c> takes away prefixes no subnet is allocated from. Both answer the pool's prefixes.
    /// </summary>
    private static async Task PrefixesAsync(string id, HttpContext context, SubnetPoolStore store, bool add)
    {
        var caller = context.GetRequestContext();
        var owned = await store.GetAsync(id, caller, context.RequestAborted);
        if (!caller.IsAdmin && owned.ProjectId != caller.ProjectId)
        {
            throw NeutronErrors.PolicyDenied(add ? "add_prefixes" : "remove_prefixes");
        }

        var asked = (await PrefixList.ReadAsync(context, BodyAction.Update)).Strings("prefixes");
        if (asked is null || asked.Count == 0)
        {
            throw TricircleException.Invalid("Request body contains invalid data", "HTTPBadRequest");
        }

        var change = Prefixes(asked);
        var pool = await store.UpdateAsync(id, caller, (row, allocated) =>
        {
            if (change.IpVersion != row.IpVersion)
            {
                throw TricircleException.Invalid("Cannot mix IPv4 and IPv6 prefixes in a subnet pool.", "PrefixVersionMismatch");
            }

            var current = row.PrefixSet();
            PrefixSet next;
            if (add)
            {
                next = PrefixSet.Of([.. current.Cidrs(row.IpVersion), .. change.Set.Cidrs(row.IpVersion)]);
            }
            else
            {
                if (allocated.Overlaps(change.Set))
                {
                    throw TricircleException.Invalid("Illegal update to prefixes: One or more the prefixes to be removed is in use by a subnet.", "IllegalSubnetPoolPrefixUpdate");
                }

                next = current.Minus(change.Set);
                if (next.IsEmpty)
                {
                    throw TricircleException.Invalid("Empty subnet pool prefix list.", "EmptySubnetPoolPrefixList");
                }
            }

            row.Prefixes = JsonSerializer.Serialize(next.Cidrs(row.IpVersion).Select(c => c.ToString()).ToList());
        }, context.RequestAborted);
        await NeutronBody.WriteAsync(context, 200, new JsonObject { ["prefixes"] = new JsonArray([.. pool.PrefixList().Select(p => (JsonNode)p)]) });
    }

    /// <summary>Prefixes as Neutron's <c>SubnetPoolReader</c> reads them: not empty, one IP version, compacted.</summary>
    private static (int IpVersion, PrefixSet Set) Prefixes(List<string> texts)
    {
        if (texts.Count == 0)
        {
            throw TricircleException.Invalid("Empty subnet pool prefix list.", "EmptySubnetPoolPrefixList");
        }

        var cidrs = texts.Select(NeutronAddresses.SubnetCidr).ToList();
        if (cidrs.Select(c => c.Version).Distinct().Count() > 1)
        {
            throw TricircleException.Invalid("Cannot mix IPv4 and IPv6 prefixes in a subnet pool.", "PrefixVersionMismatch");
        }

        return (cidrs[0].Version, PrefixSet.Of(cidrs));
    }

    /// <summary>Neutron's prefix bounds: min 8 (IPv4) or 64 (IPv6), max the address size, default the min; min ≤ default ≤ max ≤ size.</summary>
    private static void Bounds(SubnetPoolRow pool, (int IpVersion, PrefixSet Set) prefixes, int? min, int? max, int? @default)
    {
        var bits = prefixes.IpVersion == 4 ? 32 : 128;
        var minimum = min ?? (prefixes.IpVersion == 4 ? 8 : 64);
        var maximum = max ?? bits;
        var fallback = @default ?? minimum;
        static TricircleException Illegal(string type, int length, string baseType, int baseLength) =>
            TricircleException.Invalid($"Illegal prefix bounds: {type}={length}, {baseType}={baseLength}.", "IllegalSubnetPoolPrefixBounds");
        if (minimum > maximum)
        {
            throw Illegal("min_prefixlen", minimum, "max_prefixlen", maximum);
        }

        if (maximum > bits)
        {
            throw Illegal("max_prefixlen", maximum, "ip_version_max", bits);
        }

        if (fallback < minimum)
        {
            throw Illegal("default_prefixlen", fallback, "min_prefixlen", minimum);
        }

        if (fallback > maximum)
        {
            throw Illegal("default_prefixlen", fallback, "max_prefixlen", maximum);
        }

        pool.IpVersion = prefixes.IpVersion;
        pool.Prefixes = JsonSerializer.Serialize(prefixes.Set.Cidrs(prefixes.IpVersion).Select(c => c.ToString()).ToList());
        pool.MinPrefixlen = minimum;
        pool.MaxPrefixlen = maximum;
        pool.DefaultPrefixlen = fallback;
    }

    private static string NotEmpty(string name) => name.Length > 0 ? name : throw NeutronAddresses.InvalidAttribute("name", "'' Blank strings are not permitted");

    private static string? ScopeId(Body body) =>
        body.String("address_scope_id") is { } id
            ? Guid.TryParse(id, out _) ? id : throw NeutronAddresses.InvalidAttribute("address_scope_id", $"'{id}' is not a valid UUID")
            : null;

    // Neutron enforces an admin-only attribute only when it differs from its default (false).
    private static bool AdminFlag(Body body, RequestContext caller, string action, string field) =>
        body.Bool(field) is true ? caller.IsAdmin ? true : throw NeutronErrors.PolicyDenied($"{action}_subnetpool:{field}") : false;
}
