using System.Globalization;
using System.Text.Json.Nodes;
using Tricircle.Compute;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Hosting;
using Tricircle.Identity;

namespace Tricircle.Network;

/// <summary>
/// What the central Neutron's resources share: the attribute kinds their bodies are declared
/// with (<see cref="BodySchema"/>, as Neutron's attribute maps), the owner of a new resource,
/// the standard attributes and answers.
/// </summary>
internal static class NeutronBody
{
    /// <summary>A port's <c>fixed_ips</c> or a gateway's <c>external_fixed_ips</c> as asked for (null: not given); an address that is no IP is Neutron's 400.</summary>
    public static List<FixedIpRequest>? FixedIps(Body body, string field) =>
        body.Array(field)?.Select(f =>
        {
            var item = Body.Of(f!.AsObject());
            var ip = item.String("ip_address");
            if (ip is not null)
            {
                _ = NeutronAddresses.Address(ip, field);
            }

            return new FixedIpRequest(item.String("subnet_id"), ip);
        }).ToList();

    // Neutron's attribute kinds: what its converters and validators take.
    public static readonly BodyField Name = new("name", JsonKind.String) { MaxLength = 255 };

    public static readonly BodyField Description = new("description", JsonKind.String) { MaxLength = 255 };

    public static readonly BodyField Bool = new("", JsonKind.Boolean | JsonKind.BooleanText);

    public static readonly BodyField Int = new("", JsonKind.Integer | JsonKind.IntegerText) { Minimum = int.MinValue, Maximum = int.MaxValue };

    /// <summary>A list of unique strings (tags, security groups, AZ hints).</summary>
    public static readonly BodyField Strings = new("", JsonKind.Array) { Items = new("", JsonKind.String) { MaxLength = 255 }, Unique = true };

    /// <summary>The owner a create may name (an admin another project's).</summary>
    public static readonly BodyField[] Owner =
    [
        new("tenant_id", JsonKind.String) { MaxLength = 255, Put = false },
        new("project_id", JsonKind.String) { MaxLength = 255, Put = false },
    ];

    /// <summary>The project a new resource belongs to: an admin may name another (project_id or tenant_id).</summary>
    public static string OwnerOf(Body body, RequestContext caller, string wrapper)
    {
        var project = ProjectOf(body);
        if (project is null || project == caller.ProjectId)
        {
            return caller.ProjectId;
        }

        return caller.IsAdmin ? project : throw NeutronErrors.PolicyDenied($"create_{wrapper}:tenant_id");
    }

    /// <summary>The project a create names (<c>project_id</c>, or the older <c>tenant_id</c>); both, and different, are a 400 as in Neutron's API layer.</summary>
    public static string? ProjectOf(Body body)
    {
        var (project, tenant) = (body.String("project_id"), body.String("tenant_id"));
        return project is not null && tenant is not null && project != tenant
            ? throw TricircleException.Invalid("'project_id' and 'tenant_id' do not match", "HTTPBadRequest")
            : project ?? tenant;
    }

    /// <summary>The standard attributes every resource shows (project, timestamps, revision, tags).</summary>
    public static void AddStandard(JsonObject view, string projectId, DateTime createdAt, DateTime updatedAt, int revision, IReadOnlyList<string> tags)
    {
        view["tenant_id"] = projectId;
        view["project_id"] = projectId;
        view["created_at"] = Time(createdAt);
        view["updated_at"] = Time(updatedAt);
        view["revision_number"] = revision;
        view["tags"] = new JsonArray([.. tags.Select(t => (JsonNode)t)]);
    }

    /// <summary>Neutron prints timestamps as ISO 8601 UTC with a Z.</summary>
    public static string Time(DateTime value) => DbTime.Utc(value).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    public static Task WriteAsync(HttpContext context, int status, JsonObject body) => ServersApi.WriteJsonAsync(context, status, body);

    /// <summary>A show answer: the resource under its name, cut to the asked <c>fields</c>.</summary>
    public static Task ShowAsync(HttpContext context, string wrapper, JsonObject view, int status = 200) =>
        WriteAsync(context, status, new JsonObject { [wrapper] = NeutronQuery.Project(view, NeutronQuery.FieldsOf(context.Request.Query)) });
}
