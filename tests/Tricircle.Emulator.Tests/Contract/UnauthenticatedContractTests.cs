using System.Net;

namespace Tricircle.Emulator.Contract;

/// <summary>
/// A call without a valid token, to each service: keystonemiddleware's auth_token refuses it
/// before the service's own code, so Nova, Cinder, Neutron and Glance all answer with its body
/// and its Keystone challenge.
/// </summary>
public sealed class UnauthenticatedContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    [Fact]
    public async Task EveryService_WithoutOrWithABadToken_Is401InKeystonemiddlewaresShape()
    {
        var calls = new (Uri Service, string Path)[]
        {
            (target.Compute, "/servers"),
            (target.Volume, "/volumes"),
            (target.Network, "/v2.0/networks"),
            (target.Image, "/v2/images"),
        };
        foreach (var (service, path) in calls)
        {
            foreach (var token in new string?[] { null, "not-a-token" })
            {
                var answer = await target.SendAsync(HttpMethod.Get, service, path, token);
                Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"{service}{path}: {answer}");
                var error = Assert.Single(answer.Json.AsObject());
                Assert.Equal("error", error.Key);
                Assert.Equal(401, error.Value!["code"]!.GetValue<int>());
                Assert.Equal("Unauthorized", error.Value["title"]!.GetValue<string>());
                Assert.Equal("The request you have made requires authentication.", error.Value["message"]!.GetValue<string>());
                Assert.StartsWith("Keystone uri=\"", answer.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            }
        }
    }
}
