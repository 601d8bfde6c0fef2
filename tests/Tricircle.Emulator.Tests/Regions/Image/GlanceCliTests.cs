namespace Tricircle.Emulator.Regions.Image;

/// <summary>The real openstack CLI against the emulated Glance.</summary>
public sealed class GlanceCliTests(RegionCli cli) : IClassFixture<RegionCli>
{
    [Fact]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "Glance's checksum is an MD5.")]
    public async Task OpenStackCli_ImageListCreateShowDelete_MatchesGlance()
    {
        using var list = await cli.RunJsonAsync("image", "list", "-f", "json");
        Assert.Contains(list.RootElement.EnumerateArray(), i => i.GetProperty("Name").GetString() == "cirros" && i.GetProperty("Status").GetString() == "active");

        var file = Path.GetTempFileName();
        try
        {
            var bytes = new byte[3000];
            new Random(42).NextBytes(bytes);
            await File.WriteAllBytesAsync(file, bytes);
            using var created = await cli.RunJsonAsync("image", "create", "--file", file, "--disk-format", "qcow2", "--container-format", "bare", "cli-image", "-f", "json");
            var id = created.RootElement.GetProperty("id").GetString()!;

            using var shown = await cli.RunJsonAsync("image", "show", id, "-f", "json");
            Assert.Equal("cli-image", shown.RootElement.GetProperty("name").GetString());
            Assert.Equal("active", shown.RootElement.GetProperty("status").GetString());
            Assert.Equal(3000, shown.RootElement.GetProperty("size").GetInt64());
            Assert.True(shown.RootElement.TryGetProperty("checksum", out var checksum), shown.RootElement.ToString());
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(bytes)), checksum.GetString());

            await cli.RunAsync("image", "set", "--name", "cli-image-renamed", "--property", "purpose=test", id);
            using var renamed = await cli.RunJsonAsync("image", "show", id, "-f", "json");
            Assert.Equal("cli-image-renamed", renamed.RootElement.GetProperty("name").GetString());
            Assert.Contains("purpose", renamed.RootElement.GetProperty("properties").ToString(), StringComparison.Ordinal);

            await cli.RunAsync("image", "delete", id);
            var (code, _, stderr) = await cli.TryRunAsync("image", "show", id, "-f", "json");
            Assert.NotEqual(0, code);
            Assert.Contains("No Image found", stderr, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
