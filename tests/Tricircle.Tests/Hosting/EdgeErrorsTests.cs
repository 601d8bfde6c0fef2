namespace Tricircle.Hosting;

/// <summary>
/// HTTP errors belong to the edge. Below it (stores, pod clients, placement, routing, quotas and
/// the services) a failure is an <see cref="Errors.TricircleException"/>, which a job worker can
/// raise and record as well; only the edge may speak <see cref="ApiException"/> (for statuses no
/// domain error has, such as 406, 413 or 415).
/// </summary>
public sealed class EdgeErrorsTests
{
    /// <summary>Whole folders of the edge: hosting (middleware, request bodies), authentication and policy, the CLI, the sandbox.</summary>
    private static readonly string[] EdgeFolders = ["Hosting/", "Identity/", "Cli/", "Sandbox/"];

    /// <summary>Request-body parsers that live beside their API.</summary>
    private static readonly string[] EdgeFiles = ["Network/NeutronBody.cs", "Network/SecurityGroupRuleInput.cs", "Compute/NovaJson.cs"];

    [Fact]
    public void OnlyTheEdge_MentionsApiException()
    {
        var source = Path.Combine(RepositoryRoot(), "src", "Tricircle");
        var files = Directory.EnumerateFiles(source, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(source, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("obj/", StringComparison.Ordinal) && !f.StartsWith("bin/", StringComparison.Ordinal))
            .ToList();
        Assert.Contains("Hosting/ApiException.cs", files); // the scan looks where the code is

        var offenders = files
            .Where(f => !IsEdge(f) && File.ReadAllText(Path.Combine(source, f)).Contains("ApiException", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.True(
            offenders.Count == 0,
            "Only the edge (*Api.cs, Hosting/, Identity/, Cli/, Sandbox/ and the request-body parsers) may use ApiException; " +
            "raise a TricircleException (Errors/) instead in: " + string.Join(", ", offenders));
    }

    [Theory]
    [InlineData("Network/NetworksApi.cs", true)]
    [InlineData("Hosting/RequestBody.cs", true)]
    [InlineData("Identity/AdminPolicy.cs", true)]
    [InlineData("Compute/NovaJson.cs", true)]
    [InlineData("Network/PortStore.cs", false)]
    [InlineData("Pods/PodClient.cs", false)]
    [InlineData("Compute/ServerNetworks.cs", false)]
    [InlineData("Network/NeutronQuery.cs", false)]
    public void Edge_IsTheListedFilesOnly(string file, bool edge) => Assert.Equal(edge, IsEdge(file));

    private static bool IsEdge(string file) =>
        file.EndsWith("Api.cs", StringComparison.Ordinal)
        || EdgeFolders.Any(folder => file.StartsWith(folder, StringComparison.Ordinal))
        || EdgeFiles.Contains(file, StringComparer.Ordinal);

    /// <summary>The directory holding <c>Tricircle.slnx</c>, found by walking up from the test's own directory.</summary>
    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Tricircle.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Tricircle.slnx above {AppContext.BaseDirectory}.");
    }
}
