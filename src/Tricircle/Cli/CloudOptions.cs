using System.CommandLine;

namespace Tricircle.Cli;

/// <summary>
/// The <c>--os-*</c> options of the admin commands, each defaulting to its <c>OS_*</c> variable
/// as the <c>openstack</c> CLI does, so that <c>source openrc</c> is all a user needs.
/// </summary>
internal sealed class CloudOptions
{
    public Option<string?> AuthUrl { get; } = Env("--os-auth-url", "OS_AUTH_URL", "Keystone URL");
    public Option<string?> Username { get; } = Env("--os-username", "OS_USERNAME", "User name");
    public Option<string?> Password { get; } = Env("--os-password", "OS_PASSWORD", "Password");
    public Option<string?> ProjectName { get; } = Env("--os-project-name", "OS_PROJECT_NAME", "Project to scope to (OS_TENANT_NAME also works)", "OS_TENANT_NAME");
    public Option<string?> ProjectId { get; } = Env("--os-project-id", "OS_PROJECT_ID", "Project id to scope to", "OS_TENANT_ID");
    public Option<string?> UserDomainName { get; } = Env("--os-user-domain-name", "OS_USER_DOMAIN_NAME", "User's domain name (default: Default)");
    public Option<string?> UserDomainId { get; } = Env("--os-user-domain-id", "OS_USER_DOMAIN_ID", "User's domain id");
    public Option<string?> ProjectDomainName { get; } = Env("--os-project-domain-name", "OS_PROJECT_DOMAIN_NAME", "Project's domain name (default: Default)");
    public Option<string?> ProjectDomainId { get; } = Env("--os-project-domain-id", "OS_PROJECT_DOMAIN_ID", "Project's domain id");
    public Option<string?> RegionName { get; } = Env("--os-region-name", "OS_REGION_NAME", "Region whose 'tricircle' endpoint to use");
    public Option<string?> Interface { get; } = Env("--os-interface", "OS_INTERFACE", "Endpoint interface: public, internal or admin (default: public)");
    public Option<string?> Endpoint { get; } = Env("--os-endpoint", "TRICIRCLE_ENDPOINT", "Admin API URL, skipping the catalog lookup");

    public Option<string> Format { get; } = new("--format", "-f")
    {
        Description = "Output format: table, json or value",
        DefaultValueFactory = _ => "table",
        Recursive = true,
    };

    public IEnumerable<Option> All =>
        [AuthUrl, Username, Password, ProjectName, ProjectId, UserDomainName, UserDomainId, ProjectDomainName, ProjectDomainId, RegionName, Interface, Endpoint, Format];

    private static Option<string?> Env(string name, string variable, string description, string? fallback = null) => new(name)
    {
        Description = $"{description} [env {variable}]",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(variable) is { Length: > 0 } v ? v
            : fallback is not null && Environment.GetEnvironmentVariable(fallback) is { Length: > 0 } f ? f : null,
        Recursive = true,
    };
}
