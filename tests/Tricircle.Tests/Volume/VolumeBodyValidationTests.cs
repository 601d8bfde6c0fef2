using System.Net;
using Tricircle.Support;

namespace Tricircle.Volume;

/// <summary>
/// The Cinder gateway refuses what Cinder's schemas (cinder/api/schemas, Zed) refuse, as Cinder
/// does: before it looks up the volume or snapshot, so an unknown id with a bad body is a 400
/// naming the field, not a 404 (and not a 202 from a pod that took it).
/// </summary>
public abstract class VolumeBodyValidationTests(GatewayFixture gateway)
{
    private static readonly string Unknown = Guid.NewGuid().ToString();

    [Theory]
    [InlineData("""{"os-detach": "fuzz"}""", "os-detach")]
    [InlineData("""{"os-detach": 1}""", "os-detach")]
    [InlineData("""{"os-detach": {"attachment_id": "not-a-uuid"}}""", "attachment_id")]
    [InlineData("""{"os-detach": {"attachment_id": null, "force": true}}""", "force")]
    [InlineData("""{"os-reset_status": "fuzz"}""", "os-reset_status")]
    [InlineData("""{"os-reset_status": {"status": "sideways"}}""", "status")]
    [InlineData("""{"os-reset_status": {}}""", "'status', 'attach_status' or 'migration_status'")]
    [InlineData("""{"os-attach": ["a", 1]}""", "os-attach")]
    [InlineData("""{"os-attach": 9223372036854775808}""", "os-attach")]
    [InlineData("""{"os-attach": {"instance_uuid": "d2f5ec5e-3d69-4a37-a9f9-6d0b8d3fa1a3"}}""", "mountpoint")]
    [InlineData("""{"os-attach": {"mountpoint": "/dev/vdb"}}""", "not valid under any of the given schemas")]
    [InlineData("""{"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb", "mode": "rx"}}""", "mode")]
    [InlineData("""{"os-extend": {"new_size": "2.5"}}""", "new_size")]
    [InlineData("""{"os-extend": {"new_size": 2, "really": true}}""", "really")]
    [InlineData("""{"os-set_bootable": {"bootable": "tRUE"}}""", "bootable")]
    [InlineData("""{"os-update_readonly_flag": {}}""", "readonly")]
    public async Task VolumeAction_WithABodyCindersSchemaRefuses_Is400NamingTheField_BeforeTheVolumeIsLookedUp(string body, string named)
    {
        var message = (await gateway.VolumeAsync(HttpMethod.Post, $"volumes/{Unknown}/action", gateway.AdminToken, body, "3.59"))
            .AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"os-detach": null}""")]
    [InlineData("""{"os-detach": {}}""")]
    [InlineData("""{"os-detach": {"attachment_id": null}}""")]
    [InlineData("""{"os-reset_status": {"status": "AVAILABLE"}}""")]
    [InlineData("""{"os-attach": {"host_name": "h", "mountpoint": "/dev/vdb", "mode": "ro"}}""")]
    [InlineData("""{"os-set_bootable": {"bootable": "Yes"}}""")]
    [InlineData("""{"os-reserve": "anything"}""")]
    public async Task VolumeAction_ThatCindersSchemaTakes_PassesOnToTheVolumesLookup(string body)
    {
        (await gateway.VolumeAsync(HttpMethod.Post, $"volumes/{Unknown}/action", gateway.AdminToken, body, "3.59")).AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Theory]
    [InlineData("volumes", """{"volume": {"size": 1, "multiattach": []}}""", "multiattach")]
    [InlineData("volumes", """{"volume": {"size": 1, "multiattach": null}}""", "multiattach")]
    [InlineData("volumes", """{"volume": {"size": 1, "multiattach": true}}""", "multiattach parameter has been removed")]
    [InlineData("volumes", """{"volume": {"size": 1, "description": "DESCRIPTION"}}""", "description has 256 characters, more than 255")]
    [InlineData("volumes", """{"volume": {"size": 1, "name": "NAME"}}""", "name has 256 characters, more than 255")]
    [InlineData("volumes", """{"volume": {"size": 1, "metadata": {"k": 1}}}""", "attribute k.")]
    [InlineData("volumes", """{"volume": {"size": 1, "snapshot_id": "not-a-uuid"}}""", "snapshot_id")]
    [InlineData("volumes", """{"volume": {"size": 1, "colour": "blue"}}""", "colour")]
    [InlineData("snapshots", """{"snapshot": {"volume_id": "UNKNOWN", "name": "NAME"}}""", "name")]
    [InlineData("snapshots", """{"snapshot": {"volume_id": "UNKNOWN", "description": "DESCRIPTION"}}""", "description")]
    [InlineData("snapshots", """{"snapshot": {"volume_id": "UNKNOWN", "description": "line\u0007bell"}}""", "description")]
    [InlineData("snapshots", """{"snapshot": {"volume_id": "UNKNOWN", "force": "sideways"}}""", "force")]
    [InlineData("snapshots", """{"snapshot": {"volume_id": "UNKNOWN", "force": 1}}""", "force")]
    [InlineData("snapshots", """{"snapshot": {"volume_id": "UNKNOWN", "display_description": "d"}}""", "display_description")]
    [InlineData("snapshots", """{"snapshot": {"volume_id": "not-a-uuid"}}""", "volume_id")]
    public async Task Create_WithABodyCindersSchemaRefuses_Is400NamingTheField(string path, string body, string named)
    {
        var message = (await gateway.VolumeAsync(HttpMethod.Post, path, gateway.DemoToken, Fill(body), "3.59")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("volumes", """{"volume": {"metadata": null}}""", "metadata")]
    [InlineData("volumes", """{"volume": {"name": "NAME"}}""", "name has 256 characters")]
    [InlineData("volumes", """{"volume": {"description": "DESCRIPTION"}}""", "description has 256 characters")]
    [InlineData("volumes", """{"volume": {"name": "n", " ": "x"}}""", "' '")]
    [InlineData("volumes", """{"volume": {}}""", "volume")]
    [InlineData("snapshots", """{"snapshot": {"name": "NAME"}}""", "name")]
    [InlineData("snapshots", """{"snapshot": {"description": "DESCRIPTION"}}""", "description")]
    [InlineData("snapshots", """{"snapshot": {"name": "n", "__proto__": "x"}}""", "__proto__")]
    [InlineData("snapshots", """{"snapshot": {}}""", "snapshot")]
    public async Task Update_WithABodyCindersSchemaRefuses_Is400NamingTheField_BeforeTheLookup(string collection, string body, string named)
    {
        var message = (await gateway.VolumeAsync(HttpMethod.Put, $"{collection}/{Unknown}", gateway.DemoToken, Fill(body), "3.59")).AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamesAndDescriptions_OfUpTo255_AfterStripping_AreTaken()
    {
        // Cinder's volume formats strip blanks before counting, and count code points (an emoji is one).
        var padded = "  " + new string('a', 255) + "  ";
        var emoji = string.Concat(Enumerable.Repeat("\U0001F600", 200));
        (await gateway.VolumeAsync(HttpMethod.Put, $"volumes/{Unknown}", gateway.DemoToken, $$$"""{"volume": {"name": "{{{padded}}}", "description": "{{{emoji}}}"}}""", "3.59"))
            .AssertError(HttpStatusCode.NotFound, "itemNotFound");
        (await gateway.VolumeAsync(HttpMethod.Put, $"snapshots/{Unknown}", gateway.DemoToken, $$$"""{"snapshot": {"name": "{{{emoji}}}", "description": null}}""", "3.59"))
            .AssertError(HttpStatusCode.NotFound, "itemNotFound");
    }

    [Theory]
    [InlineData("sort_dir=%FF%FE", "sort direction")]
    [InlineData("sort_dir=sideways", "sort direction")]
    [InlineData("sort=name:sideways", "sort direction")]
    [InlineData("sort_key=colour", "sort key")]
    [InlineData("limit=asc,desc", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=1.5", "limit")]
    [InlineData("offset=-1", "offset")]
    [InlineData("sort=name&sort_dir=asc", "sort")]
    public async Task TypesList_WithAPagingParameterCinderRefuses_Is400(string query, string named)
    {
        var message = (await gateway.VolumeAsync(HttpMethod.Get, "types?" + query, gateway.DemoToken)).AssertError(HttpStatusCode.BadRequest, "badRequest");
        Assert.Contains(named, message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TypesList_Pages_AndAnUnknownMarkerStartsAtTheTop_AsCindersTypesIndex()
    {
        foreach (var name in (string[])["paging-b", "paging-a"])
        {
            var created = await gateway.VolumeAsync(HttpMethod.Post, "types", gateway.AdminToken, $$$"""{"volume_type": {"name": "{{{name}}}-{{{Unknown[..8]}}}"}}""");
            created.AssertOk();
        }

        var all = await gateway.VolumeAsync(HttpMethod.Get, "types?sort_key=name&sort_dir=asc", gateway.AdminToken);
        all.AssertOk();
        var names = all.Json.GetProperty("volume_types").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToList();
        Assert.True(names.Count >= 2, all.Text);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);

        var first = await gateway.VolumeAsync(HttpMethod.Get, "types?sort_key=name&sort_dir=asc&limit=1", gateway.AdminToken);
        Assert.Equal([names[0]], first.Json.GetProperty("volume_types").EnumerateArray().Select(t => t.GetProperty("name").GetString()!));

        // Python's int() reads "-0" and " 1 " as limits; the types' marker lookup finds nothing for an unknown id and lists from the top.
        (await gateway.VolumeAsync(HttpMethod.Get, "types?limit=-0", gateway.AdminToken)).AssertOk();
        var unknownMarker = await gateway.VolumeAsync(HttpMethod.Get, $"types?sort_key=name&sort_dir=asc&marker={Unknown}", gateway.AdminToken);
        unknownMarker.AssertOk();
        Assert.Equal(names, unknownMarker.Json.GetProperty("volume_types").EnumerateArray().Select(t => t.GetProperty("name").GetString()!));
    }

    private static string Fill(string body) => body
        .Replace("\"UNKNOWN\"", $"\"{Unknown}\"", StringComparison.Ordinal)
        .Replace("\"NAME\"", $"\"{new string('n', 256)}\"", StringComparison.Ordinal)
        .Replace("\"DESCRIPTION\"", $"\"{new string('d', 256)}\"", StringComparison.Ordinal);
}

public sealed class VolumeBodyValidationSqliteTests(SqliteGatewayFixture gateway) : VolumeBodyValidationTests(gateway), IClassFixture<SqliteGatewayFixture>;

public sealed class VolumeBodyValidationPostgresTests(PostgresGatewayFixture gateway) : VolumeBodyValidationTests(gateway), IClassFixture<PostgresGatewayFixture>;
