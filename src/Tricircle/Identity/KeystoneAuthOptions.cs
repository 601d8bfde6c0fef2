using Tricircle.Hosting;

namespace Tricircle.Identity;

/// <summary>The <c>[keystone_authtoken]</c> section, as keystonemiddleware names it.</summary>
internal sealed class KeystoneAuthOptions : ISectionOptions
{
    public const string Section = "keystone_authtoken";

    /// <summary>Keystone's URL (with or without <c>/v3</c>), used to validate tokens.</summary>
    [ConfigurationKeyName("auth_url")]
    public string AuthUrl { get; set; } = "";

    /// <summary>The URL clients are told to authenticate at in <c>WWW-Authenticate</c>; defaults to auth_url.</summary>
    [ConfigurationKeyName("www_authenticate_uri")]
    public string WwwAuthenticateUri { get; set; } = "";

    [ConfigurationKeyName("username")]
    public string Username { get; set; } = "";

    [ConfigurationKeyName("password")]
    public string Password { get; set; } = "";

    [ConfigurationKeyName("project_name")]
    public string ProjectName { get; set; } = "service";

    [ConfigurationKeyName("user_domain_name")]
    public string UserDomainName { get; set; } = "Default";

    [ConfigurationKeyName("project_domain_name")]
    public string ProjectDomainName { get; set; } = "Default";

    /// <summary>Seconds a validated token is trusted without asking Keystone again (never past its expiry).</summary>
    [ConfigurationKeyName("token_cache_time")]
    public int TokenCacheTime { get; set; } = 300;

    /// <summary>Seconds to wait for Keystone.</summary>
    [ConfigurationKeyName("http_connect_timeout")]
    public int HttpConnectTimeout { get; set; } = 10;

    public Uri WwwAuthenticate => new(string.IsNullOrWhiteSpace(WwwAuthenticateUri) ? AuthUrl : WwwAuthenticateUri);

    public IEnumerable<string> Problems()
    {
        if (SectionOptionsExtensions.CheckUrl(Section, "auth_url", AuthUrl, required: true) is { } url)
        {
            yield return url;
        }

        if (SectionOptionsExtensions.CheckUrl(Section, "www_authenticate_uri", WwwAuthenticateUri, required: false) is { } www)
        {
            yield return www;
        }

        if (string.IsNullOrWhiteSpace(Username))
        {
            yield return "[keystone_authtoken] username: is required (the service user that validates tokens)";
        }

        if (string.IsNullOrEmpty(Password))
        {
            yield return "[keystone_authtoken] password: is required";
        }

        if (string.IsNullOrWhiteSpace(ProjectName))
        {
            yield return "[keystone_authtoken] project_name: is required";
        }

        if (SectionOptionsExtensions.CheckRange(Section, "token_cache_time", TokenCacheTime, 0, 86_400) is { } ttl)
        {
            yield return ttl;
        }

        if (SectionOptionsExtensions.CheckRange(Section, "http_connect_timeout", HttpConnectTimeout, 1, 600) is { } timeout)
        {
            yield return timeout;
        }
    }
}
