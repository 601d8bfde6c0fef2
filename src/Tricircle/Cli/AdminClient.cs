using System.CommandLine;
using System.Text.Json;
using Tricircle.Identity;

namespace Tricircle.Cli;

/// <summary>
/// The Admin API as the CLI sees it: authenticates with the <c>OS_*</c> credentials, finds the
/// <c>tricircle</c> endpoint in the catalog, and turns API errors into <see cref="CliException"/>.
/// </summary>
internal sealed class AdminClient(HttpClient http, Uri endpoint, string token)
{
    public const string ServiceType = "tricircle";

    public Uri Endpoint { get; } = endpoint;

    public static async Task<AdminClient> ConnectAsync(ParseResult parse, CloudOptions options, HttpClient http, CancellationToken cancellationToken)
    {
        var authUrl = parse.GetValue(options.AuthUrl) ?? throw new CliException("Set OS_AUTH_URL (or --os-auth-url); `source openrc` sets it.");
        var username = parse.GetValue(options.Username) ?? throw new CliException("Set OS_USERNAME (or --os-username).");
        var password = parse.GetValue(options.Password) ?? throw new CliException("Set OS_PASSWORD (or --os-password).");
        var projectId = parse.GetValue(options.ProjectId);
        var projectName = parse.GetValue(options.ProjectName);
        if (projectId is null && projectName is null)
        {
            throw new CliException("Set OS_PROJECT_NAME or OS_PROJECT_ID.");
        }

        if (!Uri.TryCreate(authUrl, UriKind.Absolute, out var authUri))
        {
            throw new CliException($"OS_AUTH_URL '{authUrl}' is not a URL.");
        }

        var credentials = new KeystoneCredentials(
            username,
            password,
            projectName ?? "",
            parse.GetValue(options.UserDomainName) ?? "Default",
            parse.GetValue(options.ProjectDomainName) ?? "Default")
        {
            ProjectId = projectId,
            UserDomainId = parse.GetValue(options.UserDomainId),
            ProjectDomainId = parse.GetValue(options.ProjectDomainId),
        };

        KeystoneToken token;
        try
        {
            token = await new KeystoneClient(http, authUri).IssueTokenAsync(credentials, cancellationToken);
        }
        catch (KeystoneException e)
        {
            throw new CliException(e.Message);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"Keystone at {authUrl} is unreachable: {e.Message}");
        }

        var url = parse.GetValue(options.Endpoint) ?? FindEndpoint(token, parse.GetValue(options.RegionName), parse.GetValue(options.Interface) ?? "public");
        return new AdminClient(http, V1(url), token.Id);
    }

    private static string FindEndpoint(KeystoneToken token, string? region, string @interface)
    {
        var endpoints = token.Catalog
            .Where(s => s.Type == ServiceType)
            .SelectMany(s => s.Endpoints)
            .Where(e => string.Equals(e.Interface, @interface, StringComparison.OrdinalIgnoreCase) && (region is null || e.RegionId == region))
            .ToList();
        return endpoints.Count switch
        {
            0 => throw new CliException($"The catalog has no '{ServiceType}' {@interface} endpoint{(region is null ? "" : " in region " + region)}; register one or pass --os-endpoint."),
            1 => endpoints[0].Url,
            _ => throw new CliException($"The catalog has {endpoints.Count} '{ServiceType}' endpoints; choose one with OS_REGION_NAME."),
        };
    }

    // Catalog entries are registered as .../v1.0 (as upstream did); accept a bare base URL too.
    private static Uri V1(string url)
    {
        var text = url.TrimEnd('/');
        return new Uri((text.EndsWith("/v1.0", StringComparison.Ordinal) ? text : text + "/v1.0") + "/");
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonElement> PostAsync(string path, object body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, path, body, cancellationToken);

    public Task<JsonElement> PutAsync(string path, object body, CancellationToken cancellationToken) => SendAsync(HttpMethod.Put, path, body, cancellationToken);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    /// <summary>A path relative to v1.0 ("pods"), or an absolute next link the API returned.</summary>
    private async Task<JsonElement> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var uri = Uri.TryCreate(path, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal) ? absolute : new Uri(Endpoint, path);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Add("X-Auth-Token", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"The Admin API at {Endpoint} is unreachable: {e.Message}");
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new CliException($"{ErrorMessage(text) ?? response.ReasonPhrase} (HTTP {(int)response.StatusCode})");
            }

            return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
    }

    /// <summary>The message of <c>{"type": {"message": ...}}</c> or Keystone's <c>{"error": {...}}</c>.</summary>
    internal static string? ErrorMessage(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("message", out var message))
                {
                    return message.GetString();
                }
            }
        }
        catch (JsonException)
        {
            // not JSON: fall back to the status line
        }

        return null;
    }
}

/// <summary>A failure the CLI reports as one line on stderr with exit code 1.</summary>
internal sealed class CliException(string message) : Exception(message);
