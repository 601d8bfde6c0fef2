using System.Net;

namespace Tricircle.Emulator.Contract;

/// <summary>
/// A call without a valid token, to each service: keystonemiddleware's auth_token refuses it
/// before the service's own code, so Nova, Cinder and Neutron answer with its body and its
/// Keystone challenge; Glance defers the decision to its own middleware, which answers with
/// webob's 401 (and the same challenge).
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
                Assert.StartsWith("Keystone uri=\"", answer.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
                if (service == target.Image)
                {
                    // Glance defers auth_token's decision; its context middleware answers with webob's page.
                    Assert.Contains("401 Unauthorized", answer.Text, StringComparison.Ordinal); // plain text, HTML or JSON, as the Accept header asks
                    Assert.Contains("This server could not verify that you are authorized", answer.Text, StringComparison.Ordinal);
                    continue;
                }

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
