using Tricircle.Hosting;

namespace Tricircle.Pods;

/// <summary>
/// The <c>[client]</c> section: how Tricircle reaches pods. Admin credentials are used for
/// admin-only pod calls and to read the service catalog.
/// </summary>
internal sealed class ClientOptions : ISectionOptions
{
    public const string Section = "client";

    /// <summary>Keystone for the admin credentials; defaults to <c>[keystone_authtoken] auth_url</c>.</summary>
    [ConfigurationKeyName("auth_url")]
    public string AuthUrl { get; set; } = "";

    [ConfigurationKeyName("admin_username")]
    public string AdminUsername { get; set; } = "";

    [ConfigurationKeyName("admin_password")]
    public string AdminPassword { get; set; } = "";

    [ConfigurationKeyName("admin_tenant")]
    public string AdminTenant { get; set; } = "admin";

    [ConfigurationKeyName("admin_user_domain_name")]
    public string AdminUserDomainName { get; set; } = "Default";

    [ConfigurationKeyName("admin_tenant_domain_name")]
    public string AdminTenantDomainName { get; set; } = "Default";

    /// <summary>Re-read a pod's endpoints from Keystone when they are missing or unreachable.</summary>
    [ConfigurationKeyName("auto_refresh_endpoint")]
    public bool AutoRefreshEndpoint { get; set; } = true;

    /// <summary>Which catalog interface to use for pod endpoints.</summary>
    [ConfigurationKeyName("endpoint_interface")]
    public string EndpointInterface { get; set; } = "public";

    /// <summary>The region in which Tricircle's own endpoints are registered.</summary>
    [ConfigurationKeyName("top_region_name")]
    public string TopRegionName { get; set; } = "CentralRegion";

    public IEnumerable<string> Problems()
    {
        if (SectionOptionsExtensions.CheckUrl(Section, "auth_url", AuthUrl, required: false) is { } url)
        {
            yield return url;
        }

        if (string.IsNullOrWhiteSpace(AdminUsername) != string.IsNullOrEmpty(AdminPassword))
        {
            yield return "[client] admin_username and admin_password: give both or neither";
        }

        if (EndpointInterface is not ("public" or "internal" or "admin"))
        {
            yield return $"[client] endpoint_interface: '{EndpointInterface}' is not one of public, internal, admin";
        }
    }
}
