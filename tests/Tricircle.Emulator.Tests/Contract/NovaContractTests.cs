using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;

namespace Tricircle.Emulator.Contract;

/// <summary>Nova v2.1 on the wire: only HTTP against the catalog's compute URL, so it also judges a real region.</summary>
public sealed class NovaContractTests(ContractTarget target) : IClassFixture<ContractTarget>
{
    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    private Task<ContractResponse> Nova(HttpMethod method, string path, string? token, JsonNode? body = null, string? microversion = null) =>
        target.SendAsync(method, target.Compute, path, token, body, microversion is null ? null : new Dictionary<string, string> { ["OpenStack-API-Version"] = "compute " + microversion });

    private static string Str(JsonNode? node) => node!.GetValue<string>();

    /// <summary>A public active image to boot (devstack's cirros; the emulator seeds one).</summary>
    private async Task<string> ImageIdAsync()
    {
        var images = (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images?status=active&visibility=public", target.AdminToken)).Expect(HttpStatusCode.OK)["images"]!.AsArray();
        var image = images.FirstOrDefault(i => Str(i!["name"]).StartsWith("cirros", StringComparison.Ordinal)) ?? images.First();
        return Str(image!["id"]);
    }

    private async Task<JsonNode> WaitForStatusAsync(string serverId, string status, string token)
    {
        return await ContractTarget.EventuallyAsync(async () =>
        {
            var server = (await Nova(HttpMethod.Get, "/servers/" + serverId, token)).Expect(HttpStatusCode.OK)["server"]!;
            var now = Str(server["status"]);
            Assert.NotEqual("ERROR", now == status ? "" : now);
            return (now == status, server);
        }, $"server {serverId} {status}");
    }

    private async Task<string> BootAsync(string token, string name, JsonObject? extra = null, string microversion = "2.37")
    {
        var server = new JsonObject
        {
            ["name"] = name,
            ["imageRef"] = await ImageIdAsync(),
            ["flavorRef"] = "1",
            ["networks"] = "none",
        };
        foreach (var (key, value) in extra ?? [])
        {
            server[key] = value?.DeepClone();
        }

        var created = (await Nova(HttpMethod.Post, "/servers", token, new JsonObject { ["server"] = server }, microversion)).Expect(HttpStatusCode.Accepted)["server"]!;
        return Str(created["id"]);
    }

    [Fact]
    public async Task Versions_Anonymous_ListV21WithMicroversionRange()
    {
        var root = new Uri(target.Compute.GetLeftPart(UriPartial.Authority));
        var versions = (await target.SendAsync(HttpMethod.Get, root, "/", null)).Json["versions"]!.AsArray();
        var v21 = Assert.Single(versions, v => Str(v!["id"]) == "v2.1")!;
        Assert.Equal("CURRENT", Str(v21["status"]));
        Assert.Equal("2.1", Str(v21["min_version"]));
        Assert.Matches(@"^2\.\d+$", Str(v21["version"]));

        var version = (await target.SendAsync(HttpMethod.Get, root, "/v2.1", null)).Expect(HttpStatusCode.OK)["version"]!;
        Assert.Equal("v2.1", Str(version["id"]));
        Assert.Contains(version["links"]!.AsArray(), l => Str(l!["rel"]) == "self");
    }

    [Fact]
    public async Task Microversion_HeadersEchoedAndTooHighIs406()
    {
        var response = await Nova(HttpMethod.Get, "/flavors", target.DemoToken, microversion: "2.47");
        response.Expect(HttpStatusCode.OK);
        Assert.Equal("compute 2.47", response.Headers.GetValues("OpenStack-API-Version").Single());
        Assert.Equal("2.47", response.Headers.GetValues("X-OpenStack-Nova-API-Version").Single());
        Assert.Contains("OpenStack-API-Version", string.Join(",", response.Headers.Vary), StringComparison.Ordinal);

        var legacy = await target.SendAsync(HttpMethod.Get, target.Compute, "/flavors", target.DemoToken, headers: new Dictionary<string, string> { ["X-OpenStack-Nova-API-Version"] = "2.10" });
        Assert.Equal("2.10", legacy.Headers.GetValues("X-OpenStack-Nova-API-Version").Single());

        var none = await Nova(HttpMethod.Get, "/flavors", target.DemoToken);
        Assert.Equal("2.1", none.Headers.GetValues("X-OpenStack-Nova-API-Version").Single());

        var latest = await Nova(HttpMethod.Get, "/flavors", target.DemoToken, microversion: "latest");
        Assert.StartsWith("compute 2.", latest.Headers.GetValues("OpenStack-API-Version").Single(), StringComparison.Ordinal);

        var tooHigh = await Nova(HttpMethod.Get, "/flavors", target.DemoToken, microversion: "2.999");
        Assert.Equal(HttpStatusCode.NotAcceptable, tooHigh.Status);

        var bad = await Nova(HttpMethod.Get, "/flavors", target.DemoToken, microversion: "two");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
    }

    [Fact]
    public async Task Versions_RootListsLegacyV20AndV21_V2AndV21DocumentsAsNova()
    {
        var root = new Uri(target.Compute.GetLeftPart(UriPartial.Authority));
        var versions = (await target.SendAsync(HttpMethod.Get, root, "/", null)).Expect(HttpStatusCode.OK)["versions"]!.AsArray();
        Assert.Equal(["v2.0", "v2.1"], versions.Select(v => Str(v!["id"])).Order(StringComparer.Ordinal));
        var legacy = versions.Single(v => Str(v!["id"]) == "v2.0")!;
        Assert.Equal(("SUPPORTED", "", "", "2011-01-21T11:33:21Z"), (Str(legacy["status"]), Str(legacy["version"]), Str(legacy["min_version"]), Str(legacy["updated"])));
        Assert.EndsWith("/v2/", Str(Assert.Single(legacy["links"]!.AsArray())!["href"]), StringComparison.Ordinal);

        var v2 = await target.SendAsync(HttpMethod.Get, root, "/v2", null);
        var v20 = v2.Expect(HttpStatusCode.OK)["version"]!;
        Assert.Equal(("v2.0", "application/vnd.openstack.compute+json;version=2"), (Str(v20["id"]), Str(v20["media-types"]![0]!["type"])));
        Assert.Equal(["self", "describedby"], v20["links"]!.AsArray().Select(l => Str(l!["rel"])));
        Assert.False(v2.Headers.Contains("OpenStack-API-Version")); // the legacy API has no microversions

        var v21 = await target.SendAsync(HttpMethod.Get, root, "/v2.1", null);
        var version = v21.Expect(HttpStatusCode.OK)["version"]!;
        Assert.Equal(["self", "describedby"], version["links"]!.AsArray().Select(l => Str(l!["rel"])));
        Assert.EndsWith("/v2.1/", Str(version["links"]![0]!["href"]), StringComparison.Ordinal);
        Assert.Equal("compute 2.1", v21.Headers.GetValues("OpenStack-API-Version").Single());
        Assert.Equal(v21.Headers.GetValues("x-openstack-request-id").Single(), v21.Headers.GetValues("x-compute-request-id").Single());

        // With the slash too, and without a token (Zed's lab answered 200 to "/v2/" and "/v2.1/").
        Assert.Equal("v2.1", Str((await target.SendAsync(HttpMethod.Get, root, "/v2.1/", null)).Expect(HttpStatusCode.OK)["version"]!["id"]));
        Assert.Equal("v2.0", Str((await target.SendAsync(HttpMethod.Get, root, "/v2/", null)).Expect(HttpStatusCode.OK)["version"]!["id"]));
    }

    [Fact]
    public async Task Microversion_ErrorsAnd406CarryTheHeaders_XComputeRequestIdIsTheRequestId()
    {
        var missing = await Nova(HttpMethod.Get, "/flavors/" + Unique("nope"), target.DemoToken, microversion: "2.53");
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("compute 2.53", missing.Headers.GetValues("OpenStack-API-Version").Single());
        Assert.Equal("2.53", missing.Headers.GetValues("X-OpenStack-Nova-API-Version").Single());

        // Nova's 406 names the version it refuses; an unparsable one is a 400 without the headers.
        var refused = await Nova(HttpMethod.Get, "/flavors", target.DemoToken, microversion: "2.999");
        Assert.Equal(HttpStatusCode.NotAcceptable, refused.Status);
        Assert.Equal("compute 2.999", refused.Headers.GetValues("OpenStack-API-Version").Single());
        Assert.Equal("2.999", refused.Headers.GetValues("X-OpenStack-Nova-API-Version").Single());
        Assert.Contains("X-OpenStack-Nova-API-Version", string.Join(",", refused.Headers.Vary), StringComparison.Ordinal);
        var bad = await Nova(HttpMethod.Get, "/flavors", target.DemoToken, microversion: "two");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
        Assert.False(bad.Headers.Contains("OpenStack-API-Version"));

        foreach (var answer in new[] { await Nova(HttpMethod.Get, "/flavors", target.DemoToken), missing, refused, bad, await Nova(HttpMethod.Get, "/flavors", null) })
        {
            var id = answer.Headers.GetValues("x-openstack-request-id").Single();
            Assert.Matches("^req-[0-9a-f-]{36}$", id);
            Assert.Equal(id, answer.Headers.GetValues("x-compute-request-id").Single());
        }
    }

    [Fact]
    public async Task X509Keypairs_MadeForTheUserOrImported_WithSha1Fingerprints()
    {
        var made = Unique("x509");
        var imported = Unique("x509i");
        try
        {
            var keypair = (await Nova(HttpMethod.Post, "/os-keypairs", target.DemoToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = made, ["type"] = "x509" } }, "2.2")).Expect(HttpStatusCode.Created)["keypair"]!;
            Assert.Equal("x509", Str(keypair["type"]));
            using var certificate = X509Certificate2.CreateFromPem(Str(keypair["public_key"]));
            Assert.Equal(Sha1(certificate), Str(keypair["fingerprint"]));
            Assert.NotEmpty(Convert.FromBase64String(Str(keypair["private_key"]))); // PKCS#12, base64
            var shown = (await Nova(HttpMethod.Get, "/os-keypairs/" + made, target.DemoToken, microversion: "2.2")).Expect(HttpStatusCode.OK)["keypair"]!;
            Assert.Equal(("x509", Str(keypair["fingerprint"])), (Str(shown["type"]), Str(shown["fingerprint"])));

            using var rsa = RSA.Create(2048);
            using var own = new CertificateRequest("CN=contract", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
            var import = (await Nova(HttpMethod.Post, "/os-keypairs", target.DemoToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = imported, ["type"] = "x509", ["public_key"] = own.ExportCertificatePem() } }, "2.2")).Expect(HttpStatusCode.Created)["keypair"]!;
            Assert.Equal(Sha1(own), Str(import["fingerprint"]));
            Assert.Null(import["private_key"]);

            var broken = await Nova(HttpMethod.Post, "/os-keypairs", target.DemoToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = Unique("x509b"), ["type"] = "x509", ["public_key"] = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" } }, "2.2");
            Assert.Equal(HttpStatusCode.BadRequest, broken.Status);
            Assert.StartsWith("Keypair data is invalid: failed to generate X509 fingerprint", Str(broken.Json["badRequest"]!["message"]), StringComparison.Ordinal);
        }
        finally
        {
            await Nova(HttpMethod.Delete, "/os-keypairs/" + made, target.DemoToken, microversion: "2.2");
            await Nova(HttpMethod.Delete, "/os-keypairs/" + imported, target.DemoToken, microversion: "2.2");
        }
    }

    [Fact]
    public async Task ServerIps_OfANetworkItIsNotOn_IsNotAMemberOfSpecifiedNetwork()
    {
        var id = await BootAsync(target.DemoToken, Unique("ips"));
        try
        {
            (await Nova(HttpMethod.Get, $"/servers/{id}/ips", target.DemoToken)).Expect(HttpStatusCode.OK);
            var missing = await Nova(HttpMethod.Get, $"/servers/{id}/ips/{Unique("net")}", target.DemoToken);
            Assert.Equal(HttpStatusCode.NotFound, missing.Status);
            Assert.Equal("Instance is not a member of specified network", Str(missing.Json["itemNotFound"]!["message"]));
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }
    }

    /// <summary>The microversion headers of a versioned Nova answer (wsgi.py sets them on every one, errors included).</summary>
    private static void AssertMicroversionHeaders(ContractResponse answer, string version)
    {
        Assert.Equal("compute " + version, answer.Headers.GetValues("OpenStack-API-Version").Single());
        Assert.Equal(version, answer.Headers.GetValues("X-OpenStack-Nova-API-Version").Single());
        var vary = string.Join(",", answer.Headers.Vary);
        Assert.Contains("OpenStack-API-Version", vary, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("X-OpenStack-Nova-API-Version", vary, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ServerTags_From226_AddCheckReplaceDelete_EveryAnswerWithMicroversionHeaders()
    {
        var id = await BootAsync(target.DemoToken, Unique("tags"));
        try
        {
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            var before = await Nova(HttpMethod.Get, $"/servers/{id}/tags", target.DemoToken);
            Assert.Equal(HttpStatusCode.NotFound, before.Status);
            AssertMicroversionHeaders(before, "2.1");

            var added = await Nova(HttpMethod.Put, $"/servers/{id}/tags/blue", target.DemoToken, microversion: "2.26");
            Assert.Equal(HttpStatusCode.Created, added.Status);
            AssertMicroversionHeaders(added, "2.26");
            Assert.EndsWith($"/servers/{id}/tags/blue", added.Headers.Location!.ToString(), StringComparison.Ordinal);
            var again = await Nova(HttpMethod.Put, $"/servers/{id}/tags/blue", target.DemoToken, microversion: "2.26");
            Assert.Equal(HttpStatusCode.NoContent, again.Status);

            var listed = await Nova(HttpMethod.Get, $"/servers/{id}/tags", target.DemoToken, microversion: "2.26");
            Assert.Equal(["blue"], listed.Expect(HttpStatusCode.OK)["tags"]!.AsArray().Select(Str));
            AssertMicroversionHeaders(listed, "2.26");
            var check = await Nova(HttpMethod.Get, $"/servers/{id}/tags/blue", target.DemoToken, microversion: "2.26");
            Assert.Equal(HttpStatusCode.NoContent, check.Status);
            AssertMicroversionHeaders(check, "2.26");
            var absent = await Nova(HttpMethod.Get, $"/servers/{id}/tags/red", target.DemoToken, microversion: "2.26");
            Assert.Equal(HttpStatusCode.NotFound, absent.Status);
            Assert.Equal($"Server {id} has no tag 'red'", Str(absent.Json["itemNotFound"]!["message"]));
            Assert.Equal(HttpStatusCode.BadRequest, (await Nova(HttpMethod.Put, $"/servers/{id}/tags/a,b", target.DemoToken, microversion: "2.26")).Status);

            var replaced = (await Nova(HttpMethod.Put, $"/servers/{id}/tags", target.DemoToken, new JsonObject { ["tags"] = new JsonArray("x", "y") }, "2.26")).Expect(HttpStatusCode.OK);
            Assert.Equal(["x", "y"], replaced["tags"]!.AsArray().Select(Str).Order(StringComparer.Ordinal));
            Assert.Equal(HttpStatusCode.NoContent, (await Nova(HttpMethod.Delete, $"/servers/{id}/tags/x", target.DemoToken, microversion: "2.26")).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Delete, $"/servers/{id}/tags/x", target.DemoToken, microversion: "2.26")).Status);
            Assert.Equal(["y"], (await Nova(HttpMethod.Get, $"/servers/{id}", target.DemoToken, microversion: "2.26")).Expect(HttpStatusCode.OK)["server"]!["tags"]!.AsArray().Select(Str));
            Assert.Equal(HttpStatusCode.NoContent, (await Nova(HttpMethod.Delete, $"/servers/{id}/tags", target.DemoToken, microversion: "2.26")).Status);
            Assert.Empty((await Nova(HttpMethod.Get, $"/servers/{id}/tags", target.DemoToken, microversion: "2.26")).Expect(HttpStatusCode.OK)["tags"]!.AsArray());
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task ServerDiagnostics_AdminOnly_WithMicroversionHeaders_ServerSecurityGroups_NoneWithoutPorts()
    {
        var id = await BootAsync(target.DemoToken, Unique("diag"));
        try
        {
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            var refused = await Nova(HttpMethod.Get, $"/servers/{id}/diagnostics", target.DemoToken);
            Assert.Equal(HttpStatusCode.Forbidden, refused.Status);
            Assert.Equal("Policy doesn't allow os_compute_api:os-server-diagnostics to be performed.", Str(refused.Json["forbidden"]!["message"]));
            AssertMicroversionHeaders(refused, "2.1");
            var diagnostics = await Nova(HttpMethod.Get, $"/servers/{id}/diagnostics", target.AdminToken, microversion: "2.48");
            var standard = diagnostics.Expect(HttpStatusCode.OK);
            AssertMicroversionHeaders(diagnostics, "2.48");
            foreach (var key in new[] { "state", "driver", "uptime", "num_cpus", "memory_details", "cpu_details", "nic_details", "disk_details" })
            {
                Assert.True(standard.AsObject().ContainsKey(key), key);
            }

            var groups = await Nova(HttpMethod.Get, $"/servers/{id}/os-security-groups", target.DemoToken);
            Assert.Empty(groups.Expect(HttpStatusCode.OK)["security_groups"]!.AsArray()); // booted with networks "none": no ports
            AssertMicroversionHeaders(groups, "2.1");
            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, "/servers/00000000-0000-4000-8000-000000000000/os-security-groups", target.DemoToken)).Status);
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }
    }

#pragma warning disable CA5350 // Nova's x509 fingerprint is SHA-1
    private static string Sha1(X509Certificate2 certificate) => string.Join(':', SHA1.HashData(certificate.RawData).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
#pragma warning restore CA5350

    [Fact]
    public async Task ProjectInUrl_OwnWorksOtherIs400()
    {
        (await Nova(HttpMethod.Get, $"/{target.DemoProjectId}/flavors", target.DemoToken)).Expect(HttpStatusCode.OK);
        var other = await Nova(HttpMethod.Get, $"/{target.AdminProjectId}/flavors", target.DemoToken);
        Assert.Equal(HttpStatusCode.BadRequest, other.Status);
        Assert.Contains("doesn't match Context's project_id", Str(other.Json["badRequest"]!["message"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flavors_ListDetailShow_HaveNovaFields()
    {
        var list = (await Nova(HttpMethod.Get, "/flavors", target.DemoToken)).Expect(HttpStatusCode.OK)["flavors"]!.AsArray();
        Assert.NotEmpty(list);
        Assert.All(list, f => Assert.NotNull(f!["links"]));

        var detail = (await Nova(HttpMethod.Get, "/flavors/detail?minRam=512", target.DemoToken)).Expect(HttpStatusCode.OK)["flavors"]!.AsArray();
        var tiny = detail.First(f => f!["ram"]!.GetValue<int>() >= 512)!;
        foreach (var field in (string[])["id", "name", "ram", "vcpus", "disk", "OS-FLV-EXT-DATA:ephemeral", "swap", "rxtx_factor", "os-flavor-access:is_public", "OS-FLV-DISABLED:disabled", "links"])
        {
            Assert.True(tiny.AsObject().ContainsKey(field), $"flavor lacks {field}: {tiny.ToJsonString()}");
        }

        var show = (await Nova(HttpMethod.Get, "/flavors/" + Str(tiny["id"]), target.DemoToken, microversion: "2.61")).Expect(HttpStatusCode.OK)["flavor"]!;
        Assert.NotNull(show["extra_specs"]);
        Assert.True(show.AsObject().ContainsKey("description"));

        var paged = (await Nova(HttpMethod.Get, "/flavors?limit=1", target.DemoToken)).Expect(HttpStatusCode.OK);
        Assert.Single(paged["flavors"]!.AsArray());
        Assert.Contains("marker=", Str(paged["flavors_links"]![0]!["href"]), StringComparison.Ordinal);

        var missing = await Nova(HttpMethod.Get, "/flavors/no-such-flavor", target.DemoToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.Status);
        Assert.Equal("Flavor no-such-flavor could not be found.", Str(missing.Json["itemNotFound"]!["message"]));
    }

    [Fact]
    public async Task Flavors_AdminCreatePrivateWithSpecsAndAccess_DemoSeesItOnlyWhenGranted()
    {
        var name = Unique("flv");
        var created = (await Nova(HttpMethod.Post, "/flavors", target.AdminToken, new JsonObject
        {
            ["flavor"] = new JsonObject { ["name"] = name, ["ram"] = 128, ["vcpus"] = 1, ["disk"] = 1, ["os-flavor-access:is_public"] = false },
        })).Expect(HttpStatusCode.OK)["flavor"]!;
        var id = Str(created["id"]);
        try
        {
            Assert.False(created["os-flavor-access:is_public"]!.GetValue<bool>());
            Assert.Equal(HttpStatusCode.Conflict, (await Nova(HttpMethod.Post, "/flavors", target.AdminToken, new JsonObject
            {
                ["flavor"] = new JsonObject { ["name"] = name, ["ram"] = 128, ["vcpus"] = 1, ["disk"] = 1 },
            })).Status);
            Assert.Equal(HttpStatusCode.BadRequest, (await Nova(HttpMethod.Post, "/flavors", target.AdminToken, new JsonObject
            {
                ["flavor"] = new JsonObject { ["name"] = name + "x", ["ram"] = "lots", ["vcpus"] = 1, ["disk"] = 1 },
            })).Status);

            var denied = await Nova(HttpMethod.Post, "/flavors", target.DemoToken, new JsonObject { ["flavor"] = new JsonObject { ["name"] = name + "d", ["ram"] = 1, ["vcpus"] = 1, ["disk"] = 1 } });
            Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
            Assert.Contains("os_compute_api:os-flavor-manage:create", Str(denied.Json["forbidden"]!["message"]), StringComparison.Ordinal);

            (await Nova(HttpMethod.Post, $"/flavors/{id}/os-extra_specs", target.AdminToken, new JsonObject { ["extra_specs"] = new JsonObject { ["hw:cpu_policy"] = "shared" } })).Expect(HttpStatusCode.OK);
            var spec = (await Nova(HttpMethod.Get, $"/flavors/{id}/os-extra_specs/hw:cpu_policy", target.AdminToken)).Expect(HttpStatusCode.OK);
            Assert.Equal("shared", Str(spec["hw:cpu_policy"]));
            (await Nova(HttpMethod.Put, $"/flavors/{id}/os-extra_specs/hw:cpu_policy", target.AdminToken, new JsonObject { ["hw:cpu_policy"] = "dedicated" })).Expect(HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.BadRequest, (await Nova(HttpMethod.Put, $"/flavors/{id}/os-extra_specs/hw:cpu_policy", target.AdminToken, new JsonObject { ["other"] = "x" })).Status);
            (await Nova(HttpMethod.Delete, $"/flavors/{id}/os-extra_specs/hw:cpu_policy", target.AdminToken)).Expect(HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, $"/flavors/{id}/os-extra_specs/hw:cpu_policy", target.AdminToken)).Status);

            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, "/flavors/" + id, target.DemoToken)).Status);
            var access = (await Nova(HttpMethod.Post, $"/flavors/{id}/action", target.AdminToken, new JsonObject { ["addTenantAccess"] = new JsonObject { ["tenant"] = target.DemoProjectId } })).Expect(HttpStatusCode.OK);
            Assert.Contains(access["flavor_access"]!.AsArray(), a => Str(a!["tenant_id"]) == target.DemoProjectId);
            Assert.Equal(HttpStatusCode.Conflict, (await Nova(HttpMethod.Post, $"/flavors/{id}/action", target.AdminToken, new JsonObject { ["addTenantAccess"] = new JsonObject { ["tenant"] = target.DemoProjectId } })).Status);
            (await Nova(HttpMethod.Get, "/flavors/" + id, target.DemoToken)).Expect(HttpStatusCode.OK);
            var demoList = (await Nova(HttpMethod.Get, "/flavors", target.DemoToken)).Expect(HttpStatusCode.OK)["flavors"]!.AsArray();
            Assert.Contains(demoList, f => Str(f!["id"]) == id);

            var adminPrivate = (await Nova(HttpMethod.Get, "/flavors?is_public=false", target.AdminToken)).Expect(HttpStatusCode.OK)["flavors"]!.AsArray();
            Assert.Contains(adminPrivate, f => Str(f!["id"]) == id);
            var adminDefault = (await Nova(HttpMethod.Get, "/flavors", target.AdminToken)).Expect(HttpStatusCode.OK)["flavors"]!.AsArray();
            Assert.DoesNotContain(adminDefault, f => Str(f!["id"]) == id);

            (await Nova(HttpMethod.Post, $"/flavors/{id}/action", target.AdminToken, new JsonObject { ["removeTenantAccess"] = new JsonObject { ["tenant"] = target.DemoProjectId } })).Expect(HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, "/flavors/" + id, target.DemoToken)).Status);
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/flavors/" + id, target.AdminToken)).Expect(HttpStatusCode.Accepted);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, "/flavors/" + id, target.AdminToken)).Status);
    }

    [Fact]
    public async Task Keypairs_GenerateImportListShowDelete()
    {
        var name = Unique("kp");
        var created = (await Nova(HttpMethod.Post, "/os-keypairs", target.DemoToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = name } }, "2.2")).Expect(HttpStatusCode.Created)["keypair"]!;
        Assert.StartsWith("ssh-rsa AAAA", Str(created["public_key"]), StringComparison.Ordinal);
        Assert.Contains("PRIVATE KEY", Str(created["private_key"]), StringComparison.Ordinal);
        Assert.Matches("^([0-9a-f]{2}:){15}[0-9a-f]{2}$", Str(created["fingerprint"]));
        Assert.Equal("ssh", Str(created["type"]));
        try
        {
            var duplicate = await Nova(HttpMethod.Post, "/os-keypairs", target.DemoToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = name } }, "2.2");
            Assert.Equal(HttpStatusCode.Conflict, duplicate.Status);

            var imported = Unique("kpi");
            var publicKey = Str(created["public_key"]);
            var import = (await Nova(HttpMethod.Post, "/os-keypairs", target.DemoToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = imported, ["public_key"] = publicKey } })).Expect(HttpStatusCode.OK)["keypair"]!;
            Assert.Equal(Str(created["fingerprint"]), Str(import["fingerprint"]));
            Assert.Null(import["private_key"]);

            var list = (await Nova(HttpMethod.Get, "/os-keypairs", target.DemoToken)).Expect(HttpStatusCode.OK)["keypairs"]!.AsArray();
            Assert.Contains(list, k => Str(k!["keypair"]!["name"]) == name);
            Assert.Contains(list, k => Str(k!["keypair"]!["name"]) == imported);
            var adminList = (await Nova(HttpMethod.Get, "/os-keypairs", target.AdminToken)).Expect(HttpStatusCode.OK)["keypairs"]!.AsArray();
            Assert.DoesNotContain(adminList, k => Str(k!["keypair"]!["name"]) == name);

            var show = (await Nova(HttpMethod.Get, "/os-keypairs/" + name, target.DemoToken)).Expect(HttpStatusCode.OK)["keypair"]!;
            Assert.Equal(publicKey, Str(show["public_key"]));
            Assert.NotNull(show["user_id"]);

            (await Nova(HttpMethod.Delete, "/os-keypairs/" + imported, target.DemoToken)).Expect(HttpStatusCode.Accepted);
            Assert.Equal(HttpStatusCode.BadRequest, (await Nova(HttpMethod.Post, "/os-keypairs", target.DemoToken, new JsonObject { ["keypair"] = new JsonObject { ["name"] = imported, ["public_key"] = "not a key" } })).Status);
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/os-keypairs/" + name, target.DemoToken, microversion: "2.2")).Expect(HttpStatusCode.NoContent);
        }

        var gone = await Nova(HttpMethod.Get, "/os-keypairs/" + name, target.DemoToken);
        Assert.Equal(HttpStatusCode.NotFound, gone.Status);
        Assert.NotNull(gone.Json["itemNotFound"]);
    }

    [Fact]
    public async Task AvailabilityZones_LimitsQuotas_Services()
    {
        var zones = (await Nova(HttpMethod.Get, "/os-availability-zone", target.DemoToken)).Expect(HttpStatusCode.OK)["availabilityZoneInfo"]!.AsArray();
        Assert.Contains(zones, z => z!["zoneState"]!["available"]!.GetValue<bool>());
        var detail = (await Nova(HttpMethod.Get, "/os-availability-zone/detail", target.AdminToken)).Expect(HttpStatusCode.OK)["availabilityZoneInfo"]!.AsArray();
        Assert.Contains(detail, z => Str(z!["zoneName"]) == "internal");
        Assert.Equal(HttpStatusCode.Forbidden, (await Nova(HttpMethod.Get, "/os-availability-zone/detail", target.DemoToken)).Status);

        var limits = (await Nova(HttpMethod.Get, "/limits", target.DemoToken)).Expect(HttpStatusCode.OK)["limits"]!;
        var absolute = limits["absolute"]!;
        foreach (var key in (string[])["maxTotalInstances", "maxTotalCores", "maxTotalRAMSize", "maxTotalKeypairs", "totalInstancesUsed", "totalCoresUsed", "totalRAMUsed"])
        {
            Assert.NotNull(absolute[key]);
        }

        var quota = (await Nova(HttpMethod.Get, $"/os-quota-sets/{target.DemoProjectId}", target.DemoToken)).Expect(HttpStatusCode.OK)["quota_set"]!;
        Assert.Equal(target.DemoProjectId, Str(quota["id"]));
        Assert.NotNull(quota["instances"]);

        var services = (await Nova(HttpMethod.Get, "/os-services", target.AdminToken)).Expect(HttpStatusCode.OK)["services"]!.AsArray();
        Assert.Contains(services, s => Str(s!["binary"]) == "nova-compute" && Str(s["state"]) == "up");
        Assert.Contains(services, s => Str(s!["binary"]) == "nova-scheduler");
        var denied = await Nova(HttpMethod.Get, "/os-services", target.DemoToken);
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.StartsWith("Policy doesn't allow os_compute_api:os-services", Str(denied.Json["forbidden"]!["message"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aggregates_CrudHostsMetadata()
    {
        var computeHost = Str((await Nova(HttpMethod.Get, "/os-services?binary=nova-compute", target.AdminToken)).Expect(HttpStatusCode.OK)["services"]![0]!["host"]);
        var name = Unique("agg");
        var created = (await Nova(HttpMethod.Post, "/os-aggregates", target.AdminToken, new JsonObject { ["aggregate"] = new JsonObject { ["name"] = name, ["availability_zone"] = name + "-az" } })).Expect(HttpStatusCode.OK)["aggregate"]!;
        var id = created["id"]!.GetValue<int>();
        try
        {
            Assert.Equal(name + "-az", Str(created["availability_zone"]));
            Assert.Equal(HttpStatusCode.Conflict, (await Nova(HttpMethod.Post, "/os-aggregates", target.AdminToken, new JsonObject { ["aggregate"] = new JsonObject { ["name"] = name } })).Status);
            Assert.Equal(HttpStatusCode.Forbidden, (await Nova(HttpMethod.Get, "/os-aggregates", target.DemoToken)).Status);

            var withMeta = (await Nova(HttpMethod.Post, $"/os-aggregates/{id}/action", target.AdminToken, new JsonObject { ["set_metadata"] = new JsonObject { ["metadata"] = new JsonObject { ["ssd"] = "true" } } })).Expect(HttpStatusCode.OK)["aggregate"]!;
            Assert.Equal("true", Str(withMeta["metadata"]!["ssd"]));
            Assert.Equal(name + "-az", Str(withMeta["metadata"]!["availability_zone"]));

            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Post, $"/os-aggregates/{id}/action", target.AdminToken, new JsonObject { ["add_host"] = new JsonObject { ["host"] = "no-such-host" } })).Status);
            var updated = (await Nova(HttpMethod.Put, $"/os-aggregates/{id}", target.AdminToken, new JsonObject { ["aggregate"] = new JsonObject { ["name"] = name + "-2" } })).Expect(HttpStatusCode.OK)["aggregate"]!;
            Assert.Equal(name + "-2", Str(updated["name"]));

            var list = (await Nova(HttpMethod.Get, "/os-aggregates", target.AdminToken)).Expect(HttpStatusCode.OK)["aggregates"]!.AsArray();
            Assert.Contains(list, a => a!["id"]!.GetValue<int>() == id);
            _ = computeHost; // adding the real compute host would move it into the new zone on a real cloud; not done here.
        }
        finally
        {
            (await Nova(HttpMethod.Delete, $"/os-aggregates/{id}", target.AdminToken)).Expect(HttpStatusCode.OK);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, $"/os-aggregates/{id}", target.AdminToken)).Status);
    }

    [Fact]
    public async Task Servers_CreateFieldsOfTheWrongKind_Are400()
    {
        // Nova's server schema: availability_zone is parameter_types.name (at least one
        // character: "'' is too short", or "should be non-empty" in newer jsonschema),
        // accessIPv4 a string of format ipv4, adminPass a string.
        var image = await ImageIdAsync();
        foreach (var (field, value, reason) in ((string, JsonNode?, string)[])[("availability_zone", "", "''"), ("accessIPv4", "x", "is not a 'ipv4'"), ("adminPass", 123, "is not of type 'string'")])
        {
            var server = new JsonObject { ["name"] = Unique("bad"), ["imageRef"] = image, ["flavorRef"] = "1", ["networks"] = "none", [field] = value };
            var response = await Nova(HttpMethod.Post, "/servers", target.DemoToken, new JsonObject { ["server"] = server }, "2.37");
            Assert.True(response.Status == HttpStatusCode.BadRequest, $"{field}: {response}");
            var message = Str(response.Json["badRequest"]!["message"]);
            Assert.Contains("field/attribute " + field, message, StringComparison.Ordinal);
            Assert.Contains(reason, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Servers_UpdateWithNullAccessIp_Is400()
    {
        // Nova's server update schema: accessIPv4/6 are parameter_types.accessIPv4/6, {'type': 'string', 'format': ...}.
        var id = await BootAsync(target.DemoToken, Unique("upd"));
        try
        {
            foreach (var field in (string[])["accessIPv4", "accessIPv6"])
            {
                var response = await Nova(HttpMethod.Put, "/servers/" + id, target.DemoToken, new JsonObject { ["server"] = new JsonObject { [field] = null } });
                Assert.True(response.Status == HttpStatusCode.BadRequest, $"{field}: {response}");
                var message = Str(response.Json["badRequest"]!["message"]);
                Assert.Contains("field/attribute " + field, message, StringComparison.Ordinal);
                Assert.Contains("None is not of type 'string'", message, StringComparison.Ordinal);
            }
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task Servers_AllTenantsAsAMember_Is403()
    {
        foreach (var path in (string[])["/servers?all_tenants=1", "/servers/detail?all_tenants=True"])
        {
            var response = await Nova(HttpMethod.Get, path, target.DemoToken);
            Assert.True(response.Status == HttpStatusCode.Forbidden, $"{path}: {response}");
            Assert.Contains("get_all_tenants", Str(response.Json["forbidden"]!["message"]), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Servers_AddSecurityGroupOfNoSuchName_Is404()
    {
        // Nova looks the group up in the project's Neutron (it took any name before).
        var id = await BootAsync(target.DemoToken, Unique("sg-action"));
        try
        {
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            var answer = await Nova(HttpMethod.Post, $"/servers/{id}/action", target.DemoToken, new JsonObject { ["addSecurityGroup"] = new JsonObject { ["name"] = Unique("no-such-group") } });
            Assert.True(answer.Status == HttpStatusCode.NotFound, answer.ToString());
            Assert.NotNull(answer.Json["itemNotFound"]);
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task Keypairs_RepeatedKeyKeepsTheLastValue_InvalidUtf8IsRefused()
    {
        // Python's json.loads builds a dict key by key; oslo's jsonutils decodes UTF-8 strictly.
        var first = Unique("dupfirst");
        var last = Unique("duplast");
        var created = await target.SendRawAsync(HttpMethod.Post, target.Compute, "/os-keypairs", target.DemoToken, $$$"""{"keypair": {"name": "{{{first}}}", "name": "{{{last}}}"}}""");
        Assert.True(created.Status == HttpStatusCode.OK, created.ToString());
        try
        {
            Assert.Equal(last, Str(created.Json["keypair"]!["name"]));
            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, "/os-keypairs/" + first, target.DemoToken)).Status);
        }
        finally
        {
            await Nova(HttpMethod.Delete, "/os-keypairs/" + last, target.DemoToken);
        }

        // Invalid UTF-8: the lab shows Zed's Nova failing on it with a 500 of its own. The
        // gateway refuses such a body with 400 before anything is forwarded, so no pod sees it;
        // the emulator answers the 400 Nova means to give (MalformedRequestBody).
        var invalid = await target.SendRawAsync(HttpMethod.Post, target.Compute, "/os-keypairs", target.DemoToken, [.. "{\"keypair\": {\"name\": \""u8, 0xff, 0xfe, .. "\"}}"u8]);
        if (target.IsEmulated)
        {
            Assert.True(invalid.Status == HttpStatusCode.BadRequest, invalid.ToString());
            Assert.Equal("Malformed request body", Str(invalid.Json["badRequest"]!["message"]));
        }
        else
        {
            Assert.True(invalid.Status is HttpStatusCode.BadRequest or HttpStatusCode.InternalServerError, invalid.ToString());
        }
    }

    [Fact]
    public async Task Servers_CreateValidation_Is400WithNovaMessages()
    {
        var image = await ImageIdAsync();
        async Task<string> BadRequestAsync(JsonObject server, string microversion = "2.37")
        {
            var response = await Nova(HttpMethod.Post, "/servers", target.DemoToken, new JsonObject { ["server"] = server }, microversion);
            Assert.True(response.Status == HttpStatusCode.BadRequest, response.ToString());
            return Str(response.Json["badRequest"]!["message"]);
        }

        Assert.Equal("Flavor no-such-flavor could not be found.", await BadRequestAsync(new JsonObject { ["name"] = "x", ["imageRef"] = image, ["flavorRef"] = "no-such-flavor", ["networks"] = "none" }));
        Assert.Equal("Can not find requested image", await BadRequestAsync(new JsonObject { ["name"] = "x", ["imageRef"] = Guid.NewGuid().ToString(), ["flavorRef"] = "1", ["networks"] = "none" }));
        Assert.Equal("Invalid key_name provided.", await BadRequestAsync(new JsonObject { ["name"] = "x", ["imageRef"] = image, ["flavorRef"] = "1", ["networks"] = "none", ["key_name"] = Unique("nokey") }));
        Assert.Equal("The requested availability zone is not available", await BadRequestAsync(new JsonObject { ["name"] = "x", ["imageRef"] = image, ["flavorRef"] = "1", ["networks"] = "none", ["availability_zone"] = Unique("noaz") }));
        Assert.Contains("'networks' is a required property", await BadRequestAsync(new JsonObject { ["name"] = "x", ["imageRef"] = image, ["flavorRef"] = "1" }), StringComparison.Ordinal);
        Assert.Contains("'name' is a required property", await BadRequestAsync(new JsonObject { ["imageRef"] = image, ["flavorRef"] = "1", ["networks"] = "none" }), StringComparison.Ordinal);

        var malformed = await target.SendRawAsync(HttpMethod.Post, target.Compute, "/servers", target.DemoToken, "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.Status);
    }

    [Fact]
    public async Task Servers_BootShowListUpdateStopStartDelete()
    {
        var name = Unique("srv");
        var id = await BootAsync(target.DemoToken, name, new JsonObject { ["metadata"] = new JsonObject { ["role"] = "web" } });
        try
        {
            var building = (await Nova(HttpMethod.Get, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.OK)["server"]!;
            Assert.Contains(Str(building["status"]), (string[])["BUILD", "ACTIVE"]);

            var server = await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            Assert.Equal(name, Str(server["name"]));
            Assert.Equal(target.DemoProjectId, Str(server["tenant_id"]));
            Assert.Equal("web", Str(server["metadata"]!["role"]));
            Assert.Equal(1, server["OS-EXT-STS:power_state"]!.GetValue<int>());
            Assert.Equal("active", Str(server["OS-EXT-STS:vm_state"]));
            Assert.Null(server["OS-EXT-STS:task_state"]);
            Assert.Equal("1", Str(server["flavor"]!["id"]));
            Assert.NotNull(server["image"]!["id"]);
            Assert.NotNull(server["OS-SRV-USG:launched_at"]);
            Assert.Empty(server["addresses"]!.AsObject());
            Assert.False(server.AsObject().ContainsKey("OS-EXT-SRV-ATTR:host"), "non-admins do not see the host");

            var adminView = (await Nova(HttpMethod.Get, "/servers/" + id, target.AdminToken, microversion: "2.47")).Expect(HttpStatusCode.OK)["server"]!;
            Assert.NotNull(adminView["OS-EXT-SRV-ATTR:host"]);
            Assert.Equal("m1.tiny", Str(adminView["flavor"]!["original_name"]));

            var list = (await Nova(HttpMethod.Get, "/servers?name=" + name, target.DemoToken)).Expect(HttpStatusCode.OK)["servers"]!.AsArray();
            Assert.Equal(id, Str(Assert.Single(list)!["id"]));
            var detail = (await Nova(HttpMethod.Get, "/servers/detail?status=ACTIVE", target.DemoToken)).Expect(HttpStatusCode.OK)["servers"]!.AsArray();
            Assert.Contains(detail, s => Str(s!["id"]) == id);
            var adminOwn = (await Nova(HttpMethod.Get, "/servers?name=" + name, target.AdminToken)).Expect(HttpStatusCode.OK)["servers"]!.AsArray();
            Assert.Empty(adminOwn);
            var adminAll = (await Nova(HttpMethod.Get, $"/servers?all_tenants=1&name={name}", target.AdminToken)).Expect(HttpStatusCode.OK)["servers"]!.AsArray();
            Assert.Single(adminAll);

            var renamed = (await Nova(HttpMethod.Put, "/servers/" + id, target.DemoToken, new JsonObject { ["server"] = new JsonObject { ["name"] = name + "-b" } })).Expect(HttpStatusCode.OK)["server"]!;
            Assert.Equal(name + "-b", Str(renamed["name"]));

            var start = await Nova(HttpMethod.Post, $"/servers/{id}/action", target.DemoToken, new JsonObject { ["os-start"] = null });
            Assert.Equal(HttpStatusCode.Conflict, start.Status);
            Assert.Equal($"Cannot 'start' instance {id} while it is in vm_state active", Str(start.Json["conflictingRequest"]!["message"]));

            (await Nova(HttpMethod.Post, $"/servers/{id}/action", target.DemoToken, new JsonObject { ["os-stop"] = null })).Expect(HttpStatusCode.Accepted);
            var stopped = await WaitForStatusAsync(id, "SHUTOFF", target.DemoToken);
            Assert.Equal(4, stopped["OS-EXT-STS:power_state"]!.GetValue<int>());
            (await Nova(HttpMethod.Post, $"/servers/{id}/action", target.DemoToken, new JsonObject { ["os-start"] = null })).Expect(HttpStatusCode.Accepted);
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);

            var unknown = await Nova(HttpMethod.Post, $"/servers/{id}/action", target.DemoToken, new JsonObject { ["fly"] = null });
            Assert.Equal(HttpStatusCode.BadRequest, unknown.Status);

        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }

        await ContractTarget.EventuallyAsync(async () =>
        {
            var response = await Nova(HttpMethod.Get, "/servers/" + id, target.DemoToken);
            return (response.Status == HttpStatusCode.NotFound, response.ToString());
        }, "server deleted");
        var missing = await Nova(HttpMethod.Get, "/servers/" + id, target.DemoToken);
        Assert.Equal($"Instance {id} could not be found.", Str(missing.Json["itemNotFound"]!["message"]));
    }

    [Fact]
    public async Task Servers_ActionsLockPauseSuspendResizeRescueShelveConsole()
    {
        var id = await BootAsync(target.DemoToken, Unique("act"));
        try
        {
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            Task<ContractResponse> Act(JsonObject action, string? token = null, string? mv = null) => Nova(HttpMethod.Post, $"/servers/{id}/action", token ?? target.DemoToken, action, mv);

            (await Act(new JsonObject { ["lock"] = null })).Expect(HttpStatusCode.Accepted);
            var locked = await Act(new JsonObject { ["pause"] = null });
            Assert.Equal(HttpStatusCode.Conflict, locked.Status);
            Assert.Equal(HttpStatusCode.Conflict, (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Status);
            var shown = (await Nova(HttpMethod.Get, "/servers/" + id, target.DemoToken, microversion: "2.9")).Expect(HttpStatusCode.OK)["server"]!;
            Assert.True(shown["locked"]!.GetValue<bool>());
            (await Act(new JsonObject { ["unlock"] = null })).Expect(HttpStatusCode.Accepted);

            (await Act(new JsonObject { ["pause"] = null })).Expect(HttpStatusCode.Accepted);
            await WaitForStatusAsync(id, "PAUSED", target.DemoToken);
            (await Act(new JsonObject { ["unpause"] = null })).Expect(HttpStatusCode.Accepted);
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);

            (await Act(new JsonObject { ["suspend"] = null })).Expect(HttpStatusCode.Accepted);
            await WaitForStatusAsync(id, "SUSPENDED", target.DemoToken);
            (await Act(new JsonObject { ["resume"] = null })).Expect(HttpStatusCode.Accepted);
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);

            (await Act(new JsonObject { ["reboot"] = new JsonObject { ["type"] = "HARD" } })).Expect(HttpStatusCode.Accepted);
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            Assert.Equal(HttpStatusCode.BadRequest, (await Act(new JsonObject { ["reboot"] = new JsonObject { ["type"] = "GENTLE" } })).Status);

            var console = (await Act(new JsonObject { ["os-getVNCConsole"] = new JsonObject { ["type"] = "novnc" } })).Expect(HttpStatusCode.OK)["console"]!;
            Assert.Equal("novnc", Str(console["type"]));
            Assert.StartsWith("http", Str(console["url"]), StringComparison.Ordinal);
            var remote = (await Nova(HttpMethod.Post, $"/servers/{id}/remote-consoles", target.DemoToken, new JsonObject { ["remote_console"] = new JsonObject { ["protocol"] = "vnc", ["type"] = "novnc" } }, "2.6")).Expect(HttpStatusCode.OK)["remote_console"]!;
            Assert.Equal("vnc", Str(remote["protocol"]));

            var rescue = (await Act(new JsonObject { ["rescue"] = null })).Expect(HttpStatusCode.OK);
            Assert.NotNull(rescue["adminPass"]);
            await WaitForStatusAsync(id, "RESCUE", target.DemoToken);
            (await Act(new JsonObject { ["unrescue"] = null })).Expect(HttpStatusCode.Accepted);
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);

            Assert.Equal(HttpStatusCode.BadRequest, (await Act(new JsonObject { ["resize"] = new JsonObject { ["flavorRef"] = "1" } })).Status);
            (await Act(new JsonObject { ["resize"] = new JsonObject { ["flavorRef"] = "2" } })).Expect(HttpStatusCode.Accepted);
            var resized = await WaitForStatusAsync(id, "VERIFY_RESIZE", target.DemoToken);
            Assert.Equal("2", Str(resized["flavor"]!["id"]));
            (await Act(new JsonObject { ["revertResize"] = null })).Expect(HttpStatusCode.Accepted);
            var reverted = await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            Assert.Equal("1", Str(reverted["flavor"]!["id"]));

            Assert.Equal(HttpStatusCode.Forbidden, (await Act(new JsonObject { ["os-resetState"] = new JsonObject { ["state"] = "error" } })).Status);
            (await Act(new JsonObject { ["os-resetState"] = new JsonObject { ["state"] = "error" } }, target.AdminToken)).Expect(HttpStatusCode.Accepted);
            var errored = (await Nova(HttpMethod.Get, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.OK)["server"]!;
            Assert.Equal("ERROR", Str(errored["status"]));
            (await Act(new JsonObject { ["os-resetState"] = new JsonObject { ["state"] = "active" } }, target.AdminToken)).Expect(HttpStatusCode.Accepted);

            (await Act(new JsonObject { ["shelve"] = null })).Expect(HttpStatusCode.Accepted);
            await ContractTarget.EventuallyAsync(async () =>
            {
                var server = (await Nova(HttpMethod.Get, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.OK)["server"]!;
                var status = Str(server["status"]);
                // SHELVED comes first; with shelved_offload_time = 0 it is still offloading
                // (task_state shelving_offloading), and unshelve is refused until that is done.
                return (status is "SHELVED_OFFLOADED" or "SHELVED" && server["OS-EXT-STS:task_state"] is null, status);
            }, "shelved");
            (await Act(new JsonObject { ["unshelve"] = null })).Expect(HttpStatusCode.Accepted);
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);

            var crash = await Act(new JsonObject { ["trigger_crash_dump"] = null }, mv: "2.17");
            Assert.Equal(HttpStatusCode.Accepted, crash.Status);
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task Servers_MetadataAndIps()
    {
        var id = await BootAsync(target.DemoToken, Unique("meta"));
        try
        {
            // Nova changes metadata only once the server is built.
            var early = await Nova(HttpMethod.Post, $"/servers/{id}/metadata", target.DemoToken, new JsonObject { ["metadata"] = new JsonObject { ["a"] = "0" } });
            if (early.Status == HttpStatusCode.Conflict)
            {
                Assert.Equal($"Cannot 'update metadata' instance {id} while it is in vm_state building", Str(early.Json["conflictingRequest"]!["message"]));
            }

            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            var set = (await Nova(HttpMethod.Post, $"/servers/{id}/metadata", target.DemoToken, new JsonObject { ["metadata"] = new JsonObject { ["a"] = "1", ["b"] = "2" } })).Expect(HttpStatusCode.OK)["metadata"]!;
            Assert.Equal("2", Str(set["b"]));
            var item = (await Nova(HttpMethod.Get, $"/servers/{id}/metadata/a", target.DemoToken)).Expect(HttpStatusCode.OK)["meta"]!;
            Assert.Equal("1", Str(item["a"]));
            (await Nova(HttpMethod.Put, $"/servers/{id}/metadata/c", target.DemoToken, new JsonObject { ["meta"] = new JsonObject { ["c"] = "3" } })).Expect(HttpStatusCode.OK);
            Assert.Equal(HttpStatusCode.BadRequest, (await Nova(HttpMethod.Put, $"/servers/{id}/metadata/c", target.DemoToken, new JsonObject { ["meta"] = new JsonObject { ["d"] = "3" } })).Status);
            (await Nova(HttpMethod.Delete, $"/servers/{id}/metadata/a", target.DemoToken)).Expect(HttpStatusCode.NoContent);
            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, $"/servers/{id}/metadata/a", target.DemoToken)).Status);
            var replaced = (await Nova(HttpMethod.Put, $"/servers/{id}/metadata", target.DemoToken, new JsonObject { ["metadata"] = new JsonObject { ["only"] = "x" } })).Expect(HttpStatusCode.OK)["metadata"]!.AsObject();
            Assert.Equal(["only"], replaced.Select(p => p.Key));

            var ips = (await Nova(HttpMethod.Get, $"/servers/{id}/ips", target.DemoToken)).Expect(HttpStatusCode.OK)["addresses"]!.AsObject();
            Assert.Empty(ips);
            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, $"/servers/{id}/ips/nonet", target.DemoToken)).Status);
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task Servers_OtherProjectsServer_Is404ForNonAdmin()
    {
        var id = await BootAsync(target.AdminToken, Unique("iso"));
        try
        {
            // While a server is still a build request (before a cell has it) real Nova finds it
            // for anyone and its policy answers 403; once built, another project gets 404.
            await WaitForStatusAsync(id, "ACTIVE", target.AdminToken);
            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Get, "/servers/" + id, target.DemoToken)).Status);
            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Status);
            var demoAll = (await Nova(HttpMethod.Get, "/servers?all_tenants=1", target.DemoToken)).Status;
            Assert.True(demoAll is HttpStatusCode.OK or HttpStatusCode.Forbidden, "non-admin all_tenants is ignored (or refused by stricter policy)");
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.AdminToken)).Expect(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task Servers_BootOnNetwork_PortInNeutronAndAddresses_ReleasedOnDelete()
    {
        var network = (await target.SendAsync(HttpMethod.Post, target.Network, "/v2.0/networks", target.DemoToken, new JsonObject { ["network"] = new JsonObject { ["name"] = Unique("net") } })).Expect(HttpStatusCode.Created)["network"]!;
        var networkId = Str(network["id"]);
        string? groupId = null;
        try
        {
            (await target.SendAsync(HttpMethod.Post, target.Network, "/v2.0/subnets", target.DemoToken, new JsonObject
            {
                ["subnet"] = new JsonObject { ["network_id"] = networkId, ["ip_version"] = 4, ["cidr"] = "10.77.0.0/24" },
            })).Expect(HttpStatusCode.Created);
            var groupName = Unique("sg-web");
            groupId = Str((await target.SendAsync(HttpMethod.Post, target.Network, "/v2.0/security-groups", target.DemoToken, new JsonObject { ["security_group"] = new JsonObject { ["name"] = groupName } }))
                .Expect(HttpStatusCode.Created)["security_group"]!["id"]);
            var id = await BootAsync(target.DemoToken, Unique("net"), new JsonObject { ["networks"] = new JsonArray(new JsonObject { ["uuid"] = networkId }) });
            string portId;
            try
            {
                var server = await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
                var addresses = server["addresses"]![Str(network["name"])]!.AsArray();
                var address = Assert.Single(addresses)!;
                Assert.StartsWith("10.77.0.", Str(address["addr"]), StringComparison.Ordinal);
                Assert.Equal("fixed", Str(address["OS-EXT-IPS:type"]));

                var ports = (await target.SendAsync(HttpMethod.Get, target.Network, "/v2.0/ports?device_id=" + id, target.DemoToken)).Expect(HttpStatusCode.OK)["ports"]!.AsArray();
                var port = Assert.Single(ports)!;
                portId = Str(port["id"]);
                Assert.StartsWith("compute:", Str(port["device_owner"]), StringComparison.Ordinal);

                var interfaces = (await Nova(HttpMethod.Get, $"/servers/{id}/os-interface", target.DemoToken)).Expect(HttpStatusCode.OK)["interfaceAttachments"]!.AsArray();
                Assert.Equal(portId, Str(Assert.Single(interfaces)!["port_id"]));
                var byIp = (await Nova(HttpMethod.Get, "/servers?ip=" + Str(address["addr"]), target.DemoToken)).Expect(HttpStatusCode.OK)["servers"]!.AsArray();
                Assert.Contains(byIp, s => Str(s!["id"]) == id);

                // The server shows the groups on its ports now (each name once): one added by name shows at once, and goes again.
                (await Nova(HttpMethod.Post, $"/servers/{id}/action", target.DemoToken, new JsonObject { ["addSecurityGroup"] = new JsonObject { ["name"] = groupName } })).Expect(HttpStatusCode.Accepted);
                Assert.Equal(["default", groupName], GroupNames(await WaitForStatusAsync(id, "ACTIVE", target.DemoToken)));
                (await Nova(HttpMethod.Post, $"/servers/{id}/action", target.DemoToken, new JsonObject { ["removeSecurityGroup"] = new JsonObject { ["name"] = groupName } })).Expect(HttpStatusCode.Accepted);
                Assert.Equal(["default"], GroupNames(await WaitForStatusAsync(id, "ACTIVE", target.DemoToken)));

                var second = (await Nova(HttpMethod.Post, $"/servers/{id}/os-interface", target.DemoToken, new JsonObject { ["interfaceAttachment"] = new JsonObject { ["net_id"] = networkId } })).Expect(HttpStatusCode.OK)["interfaceAttachment"]!;
                var secondPort = Str(second["port_id"]);
                Assert.Equal(networkId, Str(second["net_id"]));
                Assert.StartsWith("10.77.0.", Str(second["fixed_ips"]![0]!["ip_address"]), StringComparison.Ordinal);
                var twoAddresses = (await Nova(HttpMethod.Get, $"/servers/{id}/ips/{Str(network["name"])}", target.DemoToken)).Expect(HttpStatusCode.OK)[Str(network["name"])]!.AsArray();
                Assert.Equal(2, twoAddresses.Count);
                (await Nova(HttpMethod.Delete, $"/servers/{id}/os-interface/{secondPort}", target.DemoToken)).Expect(HttpStatusCode.Accepted);
                await ContractTarget.EventuallyAsync(async () =>
                {
                    var response = await target.SendAsync(HttpMethod.Get, target.Network, "/v2.0/ports/" + secondPort, target.DemoToken);
                    return (response.Status == HttpStatusCode.NotFound, response.ToString());
                }, "the detached interface's port (made by Nova) is deleted");
            }
            finally
            {
                (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
            }

            await ContractTarget.EventuallyAsync(async () =>
            {
                var response = await target.SendAsync(HttpMethod.Get, target.Network, "/v2.0/ports/" + portId, target.DemoToken);
                return (response.Status == HttpStatusCode.NotFound, response.ToString());
            }, "the port Nova created is deleted with the server");
        }
        finally
        {
            await target.SendAsync(HttpMethod.Delete, target.Network, "/v2.0/networks/" + networkId, target.DemoToken);
            if (groupId is not null)
            {
                await target.SendAsync(HttpMethod.Delete, target.Network, "/v2.0/security-groups/" + groupId, target.DemoToken);
            }
        }
    }

    private static List<string> GroupNames(JsonNode server) => [.. server["security_groups"]!.AsArray().Select(g => Str(g!["name"])).Order(StringComparer.Ordinal)];

    [Fact]
    public async Task Servers_ConsoleOutput_TailsByLength_AndChecksIt()
    {
        var id = await BootAsync(target.DemoToken, Unique("console"));
        try
        {
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            Task<ContractResponse> Output(JsonObject args) =>
                Nova(HttpMethod.Post, $"/servers/{id}/action", target.DemoToken, new JsonObject { ["os-getConsoleOutput"] = args });
            var all = Str((await Output([])).Expect(HttpStatusCode.OK)["output"]).Split('\n');
            Assert.True(all.Length >= 2, string.Join('|', all));
            Assert.Equal(all[^1], Str((await Output(new JsonObject { ["length"] = 1 })).Expect(HttpStatusCode.OK)["output"]));
            Assert.Equal(string.Join('\n', all[^2..]), Str((await Output(new JsonObject { ["length"] = "2" })).Expect(HttpStatusCode.OK)["output"]));
            Assert.Equal("", Str((await Output(new JsonObject { ["length"] = 0 })).Expect(HttpStatusCode.OK)["output"]));
            Assert.Equal(string.Join('\n', all), Str((await Output(new JsonObject { ["length"] = null })).Expect(HttpStatusCode.OK)["output"]));
            var notAnObject = await Nova(HttpMethod.Post, $"/servers/{id}/action", target.DemoToken, new JsonObject { ["os-getConsoleOutput"] = "all" });
            Assert.True(notAnObject.Status == HttpStatusCode.BadRequest, notAnObject.ToString());
            foreach (var bad in new JsonObject[] { new() { ["length"] = -2 }, new() { ["length"] = "ten" }, new() { ["length"] = true }, new() { ["lines"] = 1 } })
            {
                var refused = await Output(bad);
                Assert.True(refused.Status == HttpStatusCode.BadRequest, bad.ToJsonString() + " " + refused);
                Assert.NotNull(refused.Json["badRequest"]);
            }
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }
    }

    [Fact]
    public async Task Servers_CreateImage_ReturnsImageIdInTheBody()
    {
        var id = await BootAsync(target.DemoToken, Unique("snap"));
        string? imageId = null;
        try
        {
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            var response = await Nova(HttpMethod.Post, $"/servers/{id}/action", target.DemoToken, new JsonObject { ["createImage"] = new JsonObject { ["name"] = Unique("snapimg") } }, "2.45");
            imageId = Str(response.Expect(HttpStatusCode.Accepted)["image_id"]);
            Assert.Null(response.Headers.Location); // 2.45 moved the image's id from the Location header to the body
            var image = (await target.SendAsync(HttpMethod.Get, target.Image, "/v2/images/" + imageId, target.DemoToken)).Expect(HttpStatusCode.OK);
            Assert.Equal(id, Str(image["instance_uuid"]));
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
            if (imageId is not null)
            {
                await target.SendAsync(HttpMethod.Delete, target.Image, "/v2/images/" + imageId, target.DemoToken);
            }
        }
    }

    private async Task<string> VolumeAsync(string name, JsonObject? extra = null)
    {
        var volume = new JsonObject { ["name"] = name, ["size"] = 1 };
        foreach (var (key, value) in extra ?? [])
        {
            volume[key] = value?.DeepClone();
        }

        var id = Str((await target.SendAsync(HttpMethod.Post, target.DemoVolume, "/volumes", target.DemoToken, new JsonObject { ["volume"] = volume })).Expect(HttpStatusCode.Accepted)["volume"]!["id"]);
        await WaitForVolumeAsync(id, "available");
        return id;
    }

    private async Task<JsonNode> WaitForVolumeAsync(string id, string status) =>
        await ContractTarget.EventuallyAsync(async () =>
        {
            var volume = (await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes/" + id, target.DemoToken)).Expect(HttpStatusCode.OK)["volume"]!;
            return (Str(volume["status"]) == status, volume);
        }, $"volume {id} {status}");

    [Fact]
    public async Task Servers_VolumeAttachDetach_VolumeInUseThenAvailable()
    {
        var volumeId = await VolumeAsync(Unique("vol"));
        var id = await BootAsync(target.DemoToken, Unique("vm"));
        try
        {
            await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            var attachment = (await Nova(HttpMethod.Post, $"/servers/{id}/os-volume_attachments", target.DemoToken, new JsonObject { ["volumeAttachment"] = new JsonObject { ["volumeId"] = volumeId } })).Expect(HttpStatusCode.OK)["volumeAttachment"]!;
            Assert.Equal(volumeId, Str(attachment["volumeId"]));
            Assert.Equal(id, Str(attachment["serverId"]));
            // The device name comes from the hypervisor driver: libvirt's virtio disks are vdX,
            // the lab's fake driver (like SCSI buses) names sdX.
            Assert.Matches("^/dev/[sv]d[b-z]$", Str(attachment["device"]));

            var volume = await WaitForVolumeAsync(volumeId, "in-use");
            Assert.Equal(id, Str(volume["attachments"]![0]!["server_id"]));
            var list = (await Nova(HttpMethod.Get, $"/servers/{id}/os-volume_attachments", target.DemoToken)).Expect(HttpStatusCode.OK)["volumeAttachments"]!.AsArray();
            Assert.Equal(volumeId, Str(Assert.Single(list)!["volumeId"]));
            (await Nova(HttpMethod.Get, $"/servers/{id}/os-volume_attachments/{volumeId}", target.DemoToken)).Expect(HttpStatusCode.OK);
            var server = (await Nova(HttpMethod.Get, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.OK)["server"]!;
            Assert.Contains(server["os-extended-volumes:volumes_attached"]!.AsArray(), v => Str(v!["id"]) == volumeId);

            // Attaching an in-use volume again is refused.
            var again = await Nova(HttpMethod.Post, $"/servers/{id}/os-volume_attachments", target.DemoToken, new JsonObject { ["volumeAttachment"] = new JsonObject { ["volumeId"] = volumeId } });
            Assert.Equal(HttpStatusCode.BadRequest, again.Status);

            (await Nova(HttpMethod.Delete, $"/servers/{id}/os-volume_attachments/{volumeId}", target.DemoToken)).Expect(HttpStatusCode.Accepted);
            await WaitForVolumeAsync(volumeId, "available");
            Assert.Equal(HttpStatusCode.NotFound, (await Nova(HttpMethod.Delete, $"/servers/{id}/os-volume_attachments/{volumeId}", target.DemoToken)).Status);
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
            await WaitForVolumeAsync(volumeId, "available");
            await target.SendAsync(HttpMethod.Delete, target.DemoVolume, "/volumes/" + volumeId, target.DemoToken);
        }
    }

    [Fact]
    public async Task Servers_BootFromImageToVolume_DeleteOnTerminationRemovesIt()
    {
        var image = await ImageIdAsync();
        var created = (await Nova(HttpMethod.Post, "/servers", target.DemoToken, new JsonObject
        {
            ["server"] = new JsonObject
            {
                ["name"] = Unique("bfv"),
                ["flavorRef"] = "1",
                ["networks"] = "none",
                ["block_device_mapping_v2"] = new JsonArray(new JsonObject
                {
                    ["boot_index"] = 0,
                    ["uuid"] = image,
                    ["source_type"] = "image",
                    ["destination_type"] = "volume",
                    ["volume_size"] = 1,
                    ["delete_on_termination"] = true,
                }),
            },
        }, "2.37")).Expect(HttpStatusCode.Accepted)["server"]!;
        var id = Str(created["id"]);
        string volumeId;
        try
        {
            var server = await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            Assert.Equal("", Str(server["image"]));
            volumeId = Str(Assert.Single(server["os-extended-volumes:volumes_attached"]!.AsArray())!["id"]);
            var volume = await WaitForVolumeAsync(volumeId, "in-use");
            Assert.Equal("true", Str(volume["bootable"]));
            var root = (await Nova(HttpMethod.Get, $"/servers/{id}/os-volume_attachments", target.DemoToken)).Expect(HttpStatusCode.OK)["volumeAttachments"]![0]!;
            Assert.Matches("^/dev/[sv]da$", Str(root["device"])); // vda with libvirt, sda with the fake driver
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }

        await ContractTarget.EventuallyAsync(async () =>
        {
            var response = await target.SendAsync(HttpMethod.Get, target.DemoVolume, "/volumes/" + volumeId, target.DemoToken);
            return (response.Status == HttpStatusCode.NotFound, response.ToString());
        }, "the delete_on_termination volume is deleted with the server");
    }

    [Fact]
    public async Task Servers_BootFromExistingVolume_ImageIsEmptyAndVolumeKept()
    {
        var image = await ImageIdAsync();
        var volumeId = await VolumeAsync(Unique("bootvol"), new JsonObject { ["imageRef"] = image });
        var created = (await Nova(HttpMethod.Post, "/servers", target.DemoToken, new JsonObject
        {
            ["server"] = new JsonObject
            {
                ["name"] = Unique("bfv2"),
                ["flavorRef"] = "1",
                ["networks"] = "none",
                ["block_device_mapping_v2"] = new JsonArray(new JsonObject { ["boot_index"] = 0, ["uuid"] = volumeId, ["source_type"] = "volume", ["destination_type"] = "volume" }),
            },
        }, "2.37")).Expect(HttpStatusCode.Accepted)["server"]!;
        var id = Str(created["id"]);
        try
        {
            var server = await WaitForStatusAsync(id, "ACTIVE", target.DemoToken);
            Assert.Equal("", Str(server["image"]));
            await WaitForVolumeAsync(volumeId, "in-use");
        }
        finally
        {
            (await Nova(HttpMethod.Delete, "/servers/" + id, target.DemoToken)).Expect(HttpStatusCode.NoContent);
        }

        await WaitForVolumeAsync(volumeId, "available");
        await target.SendAsync(HttpMethod.Delete, target.DemoVolume, "/volumes/" + volumeId, target.DemoToken);
    }
}
