using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Tricircle.Data;
using Tricircle.Errors;
using Tricircle.Identity;
using Tricircle.Pods;
using Tricircle.Routing;

namespace Tricircle.Volume;

/// <summary>A volume type of the central catalogue.</summary>
internal sealed class VolumeType
{
    public string Id { get; set; } = "";

    public string Name { get; set; } = "";

    public string? Description { get; set; }

    public bool IsPublic { get; set; } = true;

    public string ExtraSpecs { get; set; } = "{}";

    public DateTime CreatedAt { get; set; }

    public DateTime? UpdatedAt { get; set; }

    public JsonObject Specs() => JsonNode.Parse(ExtraSpecs) as JsonObject ?? [];

    /// <summary>Cinder's view; extra specs are an admin's business, as Cinder's default policy says.</summary>
    public JsonObject ToView(bool admin)
    {
        var view = new JsonObject
        {
            ["id"] = Id,
            ["name"] = Name,
            ["description"] = Description,
            ["is_public"] = IsPublic,
            ["os-volume-type-access:is_public"] = IsPublic,
            ["qos_specs_id"] = null,
        };
        if (admin)
        {
            view["extra_specs"] = Specs();
        }

        return view;
    }
}

/// <summary>
/// The central volume type catalogue, and its copies in the pods: a type is made in a pod (with
/// the admin token, same name and extra specs) the first time a volume of that type goes there,
/// and a <c>volume_type</c> routing row maps it; a pod's own type of that name is adopted.
/// </summary>
internal sealed class VolumeTypeStore(Database database, PodClient client, PodAdminToken adminToken, PodCopies copies, TimeProvider timeProvider)
{
    /// <summary>The routing rows of the types' copies in pods.</summary>
    public const string ResourceType = "volume_type";

    private const string Columns = "id, name, description, is_public AS IsPublic, extra_specs AS ExtraSpecs, created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <summary>The types the caller may see: all for an admin, else public ones and those shared with its project.</summary>
    public async Task<IReadOnlyList<VolumeType>> ListAsync(RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var types = await connection.QueryAsync<VolumeType>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM volume_types t
            WHERE @admin OR t.is_public OR EXISTS (SELECT 1 FROM volume_type_projects p WHERE p.volume_type_id = t.id AND p.project_id = @project)
            ORDER BY name
            """,
            new { admin = caller.IsAdmin, project = caller.ProjectId },
            cancellationToken: cancellationToken));
        return types.ToList();
    }

    /// <summary>A type by id or name, if the caller may see it.</summary>
    public async Task<VolumeType?> FindAsync(string idOrName, RequestContext caller, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QueryFirstOrDefaultAsync<VolumeType>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM volume_types t
            WHERE (t.id = @idOrName OR t.name = @idOrName)
              AND (@admin OR t.is_public OR EXISTS (SELECT 1 FROM volume_type_projects p WHERE p.volume_type_id = t.id AND p.project_id = @project))
            ORDER BY CASE WHEN t.id = @idOrName THEN 0 ELSE 1 END
            LIMIT 1
            """,
            new { idOrName, admin = caller.IsAdmin, project = caller.ProjectId },
            cancellationToken: cancellationToken));
    }

    public async Task<VolumeType> GetAsync(string idOrName, RequestContext caller, CancellationToken cancellationToken) =>
        await FindAsync(idOrName, caller, cancellationToken) ?? throw TricircleException.NotFound($"Volume type {idOrName} could not be found.");

    public async Task<VolumeType> CreateAsync(VolumeType type, string? accessProject, CancellationToken cancellationToken)
    {
        type.Id = Guid.NewGuid().ToString();
        type.CreatedAt = DbTime.Now(timeProvider);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO volume_types (id, name, description, is_public, extra_specs, created_at) VALUES (@Id, @Name, @Description, @IsPublic, @ExtraSpecs, @CreatedAt)",
                type,
                tx,
                cancellationToken: cancellationToken));
            if (!type.IsPublic && accessProject is not null)
            {
                await connection.ExecuteAsync(new CommandDefinition(
                    "INSERT INTO volume_type_projects (volume_type_id, project_id) VALUES (@id, @project)", new { id = type.Id, project = accessProject }, tx, cancellationToken: cancellationToken));
            }

            await tx.CommitAsync(cancellationToken);
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw TricircleException.Conflict($"Volume Type {type.Name} already exists.");
        }

        return type;
    }

    public async Task<VolumeType> UpdateAsync(VolumeType type, CancellationToken cancellationToken)
    {
        type.UpdatedAt = DbTime.Now(timeProvider);
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "UPDATE volume_types SET name = @Name, description = @Description, is_public = @IsPublic, extra_specs = @ExtraSpecs, updated_at = @UpdatedAt WHERE id = @Id",
                type,
                cancellationToken: cancellationToken));
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw TricircleException.Conflict($"Volume Type {type.Name} already exists.");
        }

        return type;
    }

    /// <summary>Deletes the type and its routing rows; the pods' copies stay for the volumes that use them.</summary>
    public async Task DeleteAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var tx = await Database.BeginWriteAsync(connection, cancellationToken);
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM volume_type_projects WHERE volume_type_id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await connection.ExecuteAsync(new CommandDefinition("DELETE FROM volume_types WHERE id = @id", new { id }, tx, cancellationToken: cancellationToken));
        await RoutingStore.ForgetCopiesAsync(connection, tx, id, ResourceType, cancellationToken);
        await tx.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<string>> ProjectsAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT project_id FROM volume_type_projects WHERE volume_type_id = @id ORDER BY project_id", new { id }, cancellationToken: cancellationToken))).ToList();
    }

    public async Task SetAccessAsync(string id, string project, bool grant, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (!grant)
        {
            var removed = await connection.ExecuteAsync(new CommandDefinition(
                "DELETE FROM volume_type_projects WHERE volume_type_id = @id AND project_id = @project", new { id, project }, cancellationToken: cancellationToken));
            if (removed == 0)
            {
                throw TricircleException.NotFound($"Volume type access not found for {id} / {project} combination.");
            }

            return;
        }

        try
        {
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO volume_type_projects (volume_type_id, project_id) VALUES (@id, @project)", new { id, project }, cancellationToken: cancellationToken));
        }
        catch (DbException e) when (Database.IsUniqueViolation(e))
        {
            throw TricircleException.Conflict($"Volume type access for {id} / {project} combination already exists.");
        }
    }

    /// <summary>
    /// The id of the type's copy in <paramref name="pod"/>, made (or adopted by name) now if the pod
    /// has none yet. Copies are public: access is decided centrally, and a tenant's volume of a
    /// private type must be accepted by the pod.
    /// </summary>
    public Task<string> EnsureInPodAsync(VolumeType type, Pod pod, CancellationToken cancellationToken) =>
        // Two first uses at once must not both create it: a pod refuses a second type of one name.
        copies.EnsureAsync(ResourceType, type.Id, pod, "", ct => CopyAsync(type, pod, ct), cancellationToken);

    private async Task<string> CopyAsync(VolumeType type, Pod pod, CancellationToken cancellationToken)
    {
        var token = await adminToken.GetAsync(cancellationToken);
        var project = Uri.EscapeDataString(token.ProjectId ?? "");
        var existing = (await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Get, $"{project}/types?is_public=None", null, null, cancellationToken))?["volume_types"] as JsonArray;
        if (existing?.OfType<JsonObject>().FirstOrDefault(t => t["name"]?.ToString() == type.Name)?["id"]?.ToString() is { Length: > 0 } adopted)
        {
            return adopted;
        }

        var body = new JsonObject
        {
            ["volume_type"] = new JsonObject
            {
                ["name"] = type.Name,
                ["description"] = type.Description,
                ["os-volume-type-access:is_public"] = true,
                ["extra_specs"] = type.Specs(),
            },
        };
        var created = await client.SendJsonAsync(pod, VolumeApi.ServiceType, HttpMethod.Post, $"{project}/types", body, null, cancellationToken);
        return created?["volume_type"]?["id"]?.ToString() ?? throw new PodErrorException(pod, 502, $"creating volume type {type.Name} returned no id");
    }

    public static string Serialize(JsonObject specs) => specs.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
