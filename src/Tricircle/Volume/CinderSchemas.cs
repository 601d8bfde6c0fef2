using System.Text.Json;
using System.Text.Json.Nodes;
using Tricircle.Hosting;
using Tricircle.Pods;

namespace Tricircle.Volume;

/// <summary>
/// Cinder's request body schemas (cinder/api/schemas/*.py and validation/parameter_types.py,
/// Zed), declared so that the gateway refuses what every pod's Cinder would refuse, in its words,
/// before anything is placed, reserved or forwarded.
/// </summary>
internal static class CinderSchemas
{
    /// <summary>From this microversion volume create refuses unknown attributes and update needs one (SUPPORT_VOLUME_SCHEMA_CHANGES).</summary>
    public static readonly Microversion SchemaChanges = new(3, 53);

    // parameter_types.boolean is an enum: JSON booleans and exactly these strings ("TRUE" passes, "tRUE" and "T" do not).
    private static readonly string[] BooleanStrings =
    [
        "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t",
        "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f",
    ];

    // parameter_types.description's pattern: printable characters of the BMP (no category C, no Z but Zs);
    // .NET sees a character beyond the BMP as two surrogates (category Cs), which Cinder's ranges leave out too.
    private const string Printable = @"^[^\p{C}\p{Zl}\p{Zp}]*$";

    private const string Uuid = "uuid";

    // parameter_types.extra_specs: keys of safe characters, values strings of up to 255.
    private static readonly BodySchema Specs = new(null)
    {
        Other = new BodyField("", JsonKind.String) { MaxLength = 255 },
        KeyPattern = "^[a-zA-Z0-9-_:. /]{1,255}$",
    };

    public static BodyField Boolean(string name, bool nullable = false) =>
        new(name, JsonKind.Boolean | JsonKind.String | (nullable ? JsonKind.Null : JsonKind.None)) { Enum = BooleanStrings };

    private static BodyField NameAllowZero(string name) => new(name, JsonKind.String | JsonKind.Null) { MaxLength = 255 };

    private static BodyField Description(string name) => new(name, JsonKind.String | JsonKind.Null) { MaxLength = 255, Pattern = Printable };

    // volumes.py's name and description: any string whose stripped length is up to 255.
    private static BodyField VolumeName(string name) => new(name, JsonKind.String | JsonKind.Null) { Format = "cinder-name" };

    private static BodyField VolumeDescription(string name) => new(name, JsonKind.String | JsonKind.Null) { Format = "cinder-description" };

    private static BodyField OptionalUuid(string name) => new(name, JsonKind.String | JsonKind.Null) { Format = Uuid };

    private static BodyField Metadata(bool nullable) => new("metadata", JsonKind.Object | (nullable ? JsonKind.Null : JsonKind.None)) { Properties = Specs };

    private static readonly BodyField[] VolumeCreateFields =
    [
        VolumeName("name"),
        VolumeDescription("description"),
        VolumeName("display_name"),
        VolumeDescription("display_description"),
        NameAllowZero("volume_type"), // a name or an id
        Metadata(nullable: true),
        OptionalUuid("snapshot_id"),
        OptionalUuid("source_volid"),
        OptionalUuid("consistencygroup_id"),
        new("size", JsonKind.Any), // volume_size_allows_null, judged by VolumeQuotas.Size as the quota reads it
        new("availability_zone", JsonKind.String | JsonKind.Null) { MinLength = 1, MaxLength = 255 },
        Boolean("multiattach", nullable: true),
        new("image_id", JsonKind.String | JsonKind.Null) { MaxLength = 255 },
        new("imageRef", JsonKind.String | JsonKind.Null) { MaxLength = 255 },
        new("group_id", JsonKind.String | JsonKind.Null) { MaxLength = 255, Since = new Microversion(3, 13) },
        OptionalUuid("backup_id") with { Since = new Microversion(3, 47) },
    ];

    /// <summary>volumes.create (before 3.53 the volume may hold attributes of its own, which Cinder ignores).</summary>
    private static readonly BodySchema VolumeCreateBase = new("volume", VolumeCreateFields)
    {
        RejectUnknown = false,
        Siblings = ["OS-SCH-HNT:scheduler_hints"],
    };

    /// <summary>create_volume_v353: additionalProperties false.</summary>
    private static readonly BodySchema VolumeCreateV353 = new("volume", VolumeCreateFields)
    {
        Siblings = ["OS-SCH-HNT:scheduler_hints"],
    };

    private static readonly BodyField[] VolumeUpdateFields =
    [
        VolumeName("name"),
        VolumeDescription("description"),
        VolumeName("display_name"),
        VolumeDescription("display_description"),
        Metadata(nullable: false), // parameter_types.extra_specs: an object, never null
    ];

    private static readonly BodySchema VolumeUpdateBase = new("volume", VolumeUpdateFields);

    /// <summary>update_volume_v353: anyOf requires one of the fields (all others being refused, any one field will do).</summary>
    private static readonly BodySchema VolumeUpdateV353 = new("volume", VolumeUpdateFields) { MinProperties = 1 };

    /// <summary>snapshots.create.</summary>
    public static readonly BodySchema SnapshotCreate = new(
        "snapshot",
        NameAllowZero("name"),
        NameAllowZero("display_name"),
        Description("description"),
        OptionalUuid("volume_id") with { Required = true },
        Boolean("force"),
        Metadata(nullable: true));

    /// <summary>snapshots.update: one of the four at least (anyOf required).</summary>
    public static readonly BodySchema SnapshotUpdate = new(
        "snapshot",
        NameAllowZero("name"),
        Description("description"),
        NameAllowZero("display_name"),
        Description("display_description"))
    {
        MinProperties = 1,
    };

    /// <summary>Backup update is Cinder 3.9's (BACKUP_UPDATE).</summary>
    public static readonly Microversion BackupUpdateSince = new(3, 9);

    private static readonly Microversion BackupMetadata = new(3, 43);

    /// <summary>backups.create, with metadata from 3.43 and availability_zone from 3.51.</summary>
    public static readonly BodySchema BackupCreate = new(
        "backup",
        new BodyField("volume_id", JsonKind.String) { Required = true, Format = Uuid },
        new BodyField("container", JsonKind.String | JsonKind.Null) { MaxLength = 255 },
        Description("description"),
        Boolean("incremental"),
        Boolean("force"),
        NameAllowZero("name"),
        OptionalUuid("snapshot_id"),
        Metadata(nullable: true) with { Since = BackupMetadata },
        new BodyField("availability_zone", JsonKind.String | JsonKind.Null) { MaxLength = 255, Since = new Microversion(3, 51) });

    /// <summary>backups.update (3.9), with metadata from 3.43.</summary>
    public static readonly BodySchema BackupUpdate = new(
        "backup",
        NameAllowZero("name"),
        Description("description"),
        Metadata(nullable: false) with { Since = BackupMetadata });

    /// <summary>backups.restore: a new volume's name, or the volume to write into (its body may be null: a new volume named by Cinder).</summary>
    public static readonly BodySchema BackupRestore = new("restore", NameAllowZero("name"), OptionalUuid("volume_id"));

    /// <summary>admin_actions.reset_status_backup: available or error, any case (the backup_status format).</summary>
    public static readonly BodySchema BackupResetStatus = new("os-reset_status", new BodyField("status", JsonKind.String) { Required = true, Pattern = "(?i)^(available|error)$" });

    /// <summary>
    /// A body whose wrapper may be JSON null (backups' update and restore: <c>'type': ['object', 'null']</c>),
    /// which then holds no field; otherwise checked against <paramref name="schema"/>.
    /// </summary>
    public static Body CheckNullable(HttpContext context, BodySchema schema, JsonObject root, BodyAction action, Microversion version) =>
        root.Count == 1 && root.TryGetPropertyValue(schema.Wrapper!, out var inner) && inner is null
            ? new Body(root, [])
            : schema.Check(context, root, action, version);

    // The volume statuses reset_status takes (objects/fields.py), any case; empty or null means "leave it".
    private const string VolumeStatuses = "(?i)^(|creating|available|deleting|error|error_deleting|error_managing|managing|attaching|in-use|detaching|maintenance|restoring-backup|error_restoring|reserved|awaiting-transfer|backing-up|error_backing-up|error_extending|downloading|uploading|retyping|extending)$";

    private const string SnapshotStatuses = "(?i)^(error|available|creating|deleting|deleted|updating|error_deleting|unmanaging|backing-up|restoring)$";

    /// <summary>The volume actions Cinder validates with a schema (volume_actions.py, admin_actions.py), by action key.</summary>
    private static readonly Dictionary<string, BodySchema> VolumeActions = new(StringComparer.Ordinal)
    {
        ["os-attach"] = new(
            "os-attach",
            new BodyField("instance_uuid", JsonKind.String) { Format = Uuid },
            new BodyField("mountpoint", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 255 },
            new BodyField("host_name", JsonKind.String) { MaxLength = 255 },
            new BodyField("mode", JsonKind.String) { Enum = ["rw", "ro"] }),
        ["os-detach"] = new("os-detach", OptionalUuid("attachment_id")),
        ["os-reset_status"] = new(
            "os-reset_status",
            new BodyField("status", JsonKind.String | JsonKind.Null) { Pattern = VolumeStatuses },
            new BodyField("attach_status", JsonKind.String | JsonKind.Null) { Pattern = "(?i)^(|attached|detached)$" },
            new BodyField("migration_status", JsonKind.String | JsonKind.Null) { Pattern = "(?i)^(|migrating|error|success|completing|none|starting)$" }),
        ["os-force_detach"] = new(
            "os-force_detach",
            new BodyField("connector", JsonKind.String | JsonKind.Object | JsonKind.Null),
            new BodyField("attachment_id", JsonKind.String | JsonKind.Null)),
        ["os-extend"] = new(
            "os-extend",
            new BodyField("new_size", JsonKind.Integer | JsonKind.String) { Required = true, Pattern = "^[0-9]+$", Minimum = 1, Maximum = int.MaxValue }),
        ["os-retype"] = new(
            "os-retype",
            new BodyField("new_type", JsonKind.String) { Required = true },
            new BodyField("migration_policy", JsonKind.String) { Enum = ["on-demand", "never"] }),
        ["os-set_bootable"] = new("os-set_bootable", Boolean("bootable") with { Required = true }),
        ["os-update_readonly_flag"] = new("os-update_readonly_flag", Boolean("readonly") with { Required = true }),
        ["os-volume_upload_image"] = new(
            "os-volume_upload_image",
            new BodyField("image_name", JsonKind.String) { Required = true, MinLength = 1, MaxLength = 255 },
            Boolean("force"),
            new BodyField("disk_format", JsonKind.String) { Enum = ["raw", "vmdk", "vdi", "qcow2", "vhd", "vhdx", "ploop"] },
            Description("container_format"),
            new BodyField("visibility", JsonKind.String) { Enum = ["community", "public", "private", "shared"], Since = new Microversion(3, 1) },
            Boolean("protected") with { Since = new Microversion(3, 1) }),
        ["os-initialize_connection"] = new("os-initialize_connection", new BodyField("connector", JsonKind.Object | JsonKind.String) { Required = true }),
        ["os-terminate_connection"] = new("os-terminate_connection", new BodyField("connector", JsonKind.String | JsonKind.Object | JsonKind.Null) { Required = true }),
        ["os-migrate_volume_completion"] = new(
            "os-migrate_volume_completion",
            new BodyField("new_volume", JsonKind.String) { Required = true, Format = Uuid },
            new BodyField("error", JsonKind.String | JsonKind.Null | JsonKind.Boolean)),
        ["os-reimage"] = new(
            "os-reimage",
            new BodyField("image_id", JsonKind.String) { Required = true, Format = Uuid },
            Boolean("reimage_reserved")),
    };

    private static readonly BodySchema SnapshotResetStatus = new("os-reset_status", new BodyField("status", JsonKind.String) { Required = true, Pattern = SnapshotStatuses });

    public static BodySchema VolumeCreate(Microversion version) => version.CompareTo(SchemaChanges) >= 0 ? VolumeCreateV353 : VolumeCreateBase;

    public static BodySchema VolumeUpdate(Microversion version) => version.CompareTo(SchemaChanges) >= 0 ? VolumeUpdateV353 : VolumeUpdateBase;

    /// <summary>
    /// Checks a volume action (a body of one key) as Cinder's schema for it does, before anything
    /// is looked up; an action without a schema (os-reserve and the like take anything) passes.
    /// </summary>
    public static void CheckVolumeAction(HttpContext context, JsonObject body, Microversion version)
    {
        var (action, value) = body.First();
        if (!VolumeActions.TryGetValue(action, out var schema) || (action == "os-detach" && value is null))
        {
            return; // os-detach's value may be null, kept for old clients
        }

        var dialect = BodyDialect.Of(context);
        var args = schema.Check(context, body, version: version).Fields;
        switch (action)
        {
            case "os-attach" when !args.ContainsKey("instance_uuid") && !args.ContainsKey("host_name"):
                // anyOf: [{required: [instance_uuid]}, {required: [host_name]}]
                throw dialect.Invalid(new BodyField(action, JsonKind.Object), args, BodyProblem.Format, $"{BodyDialect.Repr(args)} is not valid under any of the given schemas");
            case "os-reset_status" when !Truthy(args["status"]) && !Truthy(args["attach_status"]) && !Truthy(args["migration_status"]):
                // The schema's validate_volume_reset_body format, raised as InvalidParameterValue.
                throw Errors.TricircleException.Invalid("Must specify 'status', 'attach_status' or 'migration_status' for update.");
        }
    }

    /// <summary>Checks a snapshot action that Cinder validates (os-reset_status); others pass to the pod.</summary>
    public static void CheckSnapshotAction(HttpContext context, JsonObject body, Microversion version)
    {
        if (body.ContainsKey("os-reset_status"))
        {
            SnapshotResetStatus.Check(context, body, version: version);
        }
    }

    private static bool Truthy(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 0;
}
