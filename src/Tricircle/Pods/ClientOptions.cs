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

    /// <summary>Seconds one pod call may take (upstream's requests timeout was 60).</summary>
    [ConfigurationKeyName("pod_timeout")]
    public int PodTimeout { get; set; } = 60;

    /// <summary>Seconds a pod has to answer its part of a merged list before placeholders stand in for it.</summary>
    [ConfigurationKeyName("list_timeout")]
    public double ListTimeout { get; set; } = 10;

    /// <summary>Failed connections (at least half of the calls in 30 s) after which a pod is given a rest.</summary>
    [ConfigurationKeyName("circuit_minimum_calls")]
    public int CircuitMinimumCalls { get; set; } = 4;

    /// <summary>Seconds a pod that kept failing is given before it is tried again.</summary>
    [ConfigurationKeyName("circuit_break_seconds")]
    public int CircuitBreakSeconds { get; set; } = 15;

    public IEnumerable<string> Problems()
    {
        if (SectionOptionsExtensions.CheckRange(Section, "pod_timeout", PodTimeout, 1, 3600) is { } timeout)
        {
            yield return timeout;
        }

        if (ListTimeout is <= 0 or > 600)
        {
            yield return $"[client] list_timeout: {ListTimeout} is not between 0 and 600 seconds";
        }

        if (SectionOptionsExtensions.CheckRange(Section, "circuit_minimum_calls", CircuitMinimumCalls, 2, 1000) is { } calls)
        {
            yield return calls;
        }

        if (SectionOptionsExtensions.CheckRange(Section, "circuit_break_seconds", CircuitBreakSeconds, 1, 3600) is { } rest)
        {
            yield return rest;
        }

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
