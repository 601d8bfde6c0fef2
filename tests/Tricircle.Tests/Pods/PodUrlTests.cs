namespace Tricircle.Pods;

/// <summary>How pod URLs from the catalog become service roots, and how their links become ours.</summary>
public sealed class PodUrlTests
{
    [Theory]
    [InlineData("http://nova:8774/v2.1", "http://nova:8774/v2.1")]
    [InlineData("http://nova:8774/v2.1/0123456789abcdef0123456789abcdef", "http://nova:8774/v2.1")] // old-style catalog with the service user's project
    [InlineData("http://cinder:8776/v3/0123456789abcdef0123456789abcdef", "http://cinder:8776/v3")]
    [InlineData("http://host/compute/v2.1", "http://host/compute/v2.1")] // devstack behind a path prefix
    [InlineData("http://glance:9292", "http://glance:9292/")]
    [InlineData("http://neutron:9696/", "http://neutron:9696/")]
    public void VersionedRoot_CutsAfterTheVersionSegment(string catalog, string root) =>
        Assert.Equal(new Uri(root), PodClient.VersionedRoot(new Uri(catalog)));

    [Theory]
    [InlineData("http://nova:8774/v2.1", "http://nova:8774")]
    [InlineData("http://host/compute/v2.1", "http://host/compute")]
    [InlineData("http://glance:9292/", "http://glance:9292")]
    public void BaseOf_IsWhatThePodsLinksStartWith(string root, string expected) =>
        Assert.Equal(expected, PodForwarder.BaseOf(new Uri(root)));

    [Fact]
    public void RootAndBase_AreEachUrlsOwn_AskedAgainAndInAnyOrder()
    {
        // They are worked out once per URL and remembered: URLs alike but for a port, a path or a
        // project must never be answered with another's.
        (string Catalog, string Root, string Base)[] urls =
        [
            ("http://nova:8774/v2.1/0123456789abcdef0123456789abcdef", "http://nova:8774/v2.1", "http://nova:8774"),
            ("http://nova:8774/v2.1/fedcba9876543210fedcba9876543210", "http://nova:8774/v2.1", "http://nova:8774"),
            ("http://nova:8775/v2.1", "http://nova:8775/v2.1", "http://nova:8775"),
            ("http://nova/compute/v2.1", "http://nova/compute/v2.1", "http://nova/compute"),
            ("http://nova/compute2/v2.1", "http://nova/compute2/v2.1", "http://nova/compute2"),
            ("http://cinder:8776/v3/0123456789abcdef0123456789abcdef", "http://cinder:8776/v3", "http://cinder:8776"),
        ];
        foreach (var (catalog, root, @base) in urls.Concat(urls.Reverse()))
        {
            var versioned = PodClient.VersionedRoot(new Uri(catalog));
            Assert.Equal(new Uri(root), versioned);
            Assert.Equal(@base, PodForwarder.BaseOf(versioned));
        }
    }

    [Fact]
    public void Rewrite_ReplacesThePodsUrlsOnly()
    {
        var body = """{"links":[{"href":"http://host/compute/v2.1/servers/1"},{"href":"http://host/compute"}],"name":"http://host/computer"}""";
        var rewritten = PodForwarder.Rewrite(body, "http://host/compute", "http://gw:19998");
        Assert.Equal("""{"links":[{"href":"http://gw:19998/v2.1/servers/1"},{"href":"http://gw:19998"}],"name":"http://host/computer"}""", rewritten);
    }

    [Theory]
    [InlineData("""{"itemNotFound": {"message": "Instance x could not be found.", "code": 404}}""", "Instance x could not be found.")]
    [InlineData("""{"NeutronError": {"type": "NetworkNotFound", "message": "Network x could not be found.", "detail": ""}}""", "Network x could not be found.")]
    [InlineData("""{"message": "404 Not Found\n\nNo image found with ID x\n\n   ", "code": "404 Not Found", "title": "Not Found"}""", "404 Not Found\n\nNo image found with ID x\n\n   ")]
    [InlineData("<html>boom</html>", "<html>boom</html>")]
    public void PodErrorMessage_ReadsEveryServicesShape(string body, string message) =>
        Assert.Equal(message, PodErrorException.MessageOf(body));
}
