using Tricircle.Hosting;

namespace Tricircle.Identity;

/// <summary>
/// The one admin check of every API. The Admin API's operations are all
/// <c>admin_api:&lt;resource&gt;:&lt;action&gt;</c> and, as upstream's default <c>rule:admin_api</c>,
/// need the admin role (denials are 403 everywhere; upstream answered 401 for some). The
/// gateways' admin-only operations name their service's rule (<c>os_compute_api:os-quota-sets:update</c>,
/// <c>volume_extension:types_manage:create</c>, <c>update_quota</c>) in that service's words.
/// </summary>
internal static class AdminPolicy
{
    /// <summary>Requires the admin role for every endpoint of the group; the rule name is in the denial.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder, string resource)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var http = invocation.HttpContext;
            var action = http.GetEndpoint()?.Metadata.GetMetadata<PolicyActionMetadata>()?.Action ?? http.Request.Method.ToLowerInvariant();
            http.RequireAdmin($"admin_api:{resource}:{action}");
            return await next(invocation);
        });
        return builder;
    }

    /// <summary>Requires the admin role for one endpoint, naming <paramref name="rule"/> in the denial.</summary>
    public static TBuilder AdminOnly<TBuilder>(this TBuilder builder, string rule)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            invocation.HttpContext.RequireAdmin(rule);
            return await next(invocation);
        });
        return builder;
    }

    /// <summary>The caller, if an admin (for checks that depend on the request, such as which action a body asks for); else the API's 403 naming <paramref name="rule"/>.</summary>
    public static RequestContext RequireAdmin(this HttpContext context, string rule)
    {
        var caller = context.GetRequestContext();
        return caller.IsAdmin ? caller : throw Denied(context, rule);
    }

    /// <summary>The API's 403 for a rule the caller does not pass: Nova's, Cinder's and the Admin API's words, or Neutron's PolicyNotAuthorized.</summary>
    public static Exception Denied(HttpContext context, string rule) => ApiErrors.RoleOf(context) == ServiceRole.Network
        ? Network.NeutronErrors.PolicyDenied(rule)
        : ApiException.Forbidden($"Policy doesn't allow {rule} to be performed.");

    /// <summary>Names the action of an endpoint in its policy rule.</summary>
    public static TBuilder WithPolicyAction<TBuilder>(this TBuilder builder, string action)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PolicyActionMetadata(action));

    internal sealed record PolicyActionMetadata(string Action);
}
