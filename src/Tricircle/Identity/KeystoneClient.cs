using System.Net;
using System.Text.Json;

namespace Tricircle.Identity;

/// <summary>The few Keystone v3 calls Tricircle and its CLI make.</summary>
internal sealed class KeystoneClient(HttpClient http, Uri authUrl)
{
    private readonly Uri _v3 = V3(authUrl);

    /// <summary>Keystone's v3 base whether the configured URL ends in <c>/v3</c> or not.</summary>
    public static Uri V3(Uri authUrl)
    {
        var text = authUrl.ToString().TrimEnd('/');
        return new Uri(text.EndsWith("/v3", StringComparison.Ordinal) ? text + "/" : text + "/v3/");
    }

    /// <summary>Password authentication scoped to a project; the token comes with the catalog.</summary>
    public async Task<KeystoneToken> IssueTokenAsync(KeystoneCredentials credentials, CancellationToken cancellationToken)
    {
        var userDomain = credentials.UserDomainId is { Length: > 0 } udi ? (object)new { id = udi } : new { name = credentials.UserDomainName };
        var projectDomain = credentials.ProjectDomainId is { Length: > 0 } pdi ? (object)new { id = pdi } : new { name = credentials.ProjectDomainName };
        var project = credentials.ProjectId is { Length: > 0 } pid ? (object)new { id = pid } : new { name = credentials.ProjectName, domain = projectDomain };
        var body = new
        {
            auth = new
            {
                identity = new { methods = new[] { "password" }, password = new { user = new { name = credentials.Username, domain = userDomain, password = credentials.Password } } },
                scope = new { project },
            },
        };

        // A buffered body with a Content-Length: JsonContent streams it chunked, and a real
        // Keystone under uwsgi (or mod_wsgi) then reads an empty body and answers 400.
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(_v3, "auth/tokens"), content, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new KeystoneException(401, $"Keystone at {_v3} rejected the credentials of user '{credentials.Username}' for project '{credentials.ProjectId ?? credentials.ProjectName}'.");
        }

        await EnsureSuccessAsync(response, cancellationToken);
        var id = response.Headers.TryGetValues("X-Subject-Token", out var values) ? values.First() : throw new KeystoneException(502, "Keystone answered without X-Subject-Token.");
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), default, cancellationToken);
        return KeystoneToken.Parse(id, document.RootElement);
    }

    /// <summary>
    /// Validates <paramref name="subjectToken"/> with the service's own token. Null when Keystone
    /// says the token is not valid (unknown, expired, revoked).
    /// </summary>
    public async Task<KeystoneToken?> ValidateAsync(string serviceToken, string subjectToken, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_v3, "auth/tokens?nocatalog"));
        request.Headers.Add("X-Auth-Token", serviceToken);
        request.Headers.Add("X-Subject-Token", subjectToken);
        using var response = await http.SendAsync(request, cancellationToken);
        switch (response.StatusCode)
        {
            case HttpStatusCode.NotFound:
                return null;
            case HttpStatusCode.Unauthorized:
                throw new KeystoneException(401, "Keystone rejected the service token.");
            default:
                await EnsureSuccessAsync(response, cancellationToken);
                using (var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), default, cancellationToken))
                {
                    return KeystoneToken.Parse(subjectToken, document.RootElement);
                }
        }
    }

    /// <summary>The catalog as Keystone has it now (a token's own catalog is as old as the token).</summary>
    public async Task<IReadOnlyList<CatalogService>> GetCatalogAsync(string token, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_v3, "auth/catalog"));
        request.Headers.Add("X-Auth-Token", token);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new KeystoneException(401, "Keystone rejected the token used to read the catalog.");
        }

        await EnsureSuccessAsync(response, cancellationToken);
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), default, cancellationToken);
        return KeystoneToken.ParseCatalog(document.RootElement.GetProperty("catalog"));
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new KeystoneException((int)response.StatusCode, $"Keystone answered {(int)response.StatusCode}: {Truncate(text)}");
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";
}

/// <summary>Keystone refused or failed a call; <see cref="StatusCode"/> is what it answered.</summary>
internal sealed class KeystoneException(int statusCode, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;
}
