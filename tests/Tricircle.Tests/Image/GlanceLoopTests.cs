using System.Net;
using Tricircle.Sandbox;
using Tricircle.Support;

namespace Tricircle.Image;

/// <summary>
/// The misconfiguration the README warns about: the image role registered in CentralRegion and
/// <c>glance_region</c> left at its default (CentralRegion), so the "central Glance" is the gateway itself.
/// </summary>
public sealed class GlanceLoopTests
{
    [Fact]
    public async Task GlanceRegionPointingAtTheGatewayItself_Is503SayingSo()
    {
        var directory = Directory.CreateTempSubdirectory("tricircle-glance-loop-").FullName;
        try
        {
            await using var sandbox = await SandboxRunner.StartAsync(
                new SandboxOptions(1, directory, null, 0, 0) { ComputePort = 0, VolumePort = 0, ImagePort = 0, NetworkPort = 0, ConsolePort = 0 },
                CancellationToken.None,
                services => services.Configure<ImageOptions>(o => o.GlanceRegion = ""));
            var token = sandbox.Keystone.IssueToken("demo", SandboxOptions.DemoPassword, "demo").Id;
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(sandbox.ImageUrl, "v2/images"));
            request.Headers.Add("X-Auth-Token", token);
            var refused = await ApiResponse.SendAsync(http, request);

            var message = ImageApiTests.AssertGlanceError(refused, HttpStatusCode.ServiceUnavailable, "glance_region is CentralRegion");
            Assert.Contains("this Tricircle image gateway itself", message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("localhost", true)]
    [InlineData("192.0.2.10", false)] // TEST-NET-1: never a local address
    public async Task LocalHosts_AreRecognised(string host, bool local) =>
        Assert.Equal(local, await CentralGlance.IsLocalHostAsync(host));
}
