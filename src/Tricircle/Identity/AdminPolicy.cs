using Tricircle.Hosting;

namespace Tricircle.Identity;

/// <summary>
/// The Admin API's policy: every operation is <c>admin_api:&lt;resource&gt;:&lt;action&gt;</c> and,
/// as upstream's default <c>rule:admin_api</c>, needs the admin role. Denials are 403 everywhere
/// (upstream answered 401 for some and 403 for others).
/// </summary>
internal static class AdminPolicy
{
    /// <summary>Requires the admin role for every endpoint of the group; the rule name is in the denial.</summary>
    public static TBuilder RequireAdmin<TBuilder>(this TBuilder builder, string resource)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext.GetRequestContext();
            if (!context.IsAdmin)
            {
                var action = invocation.HttpContext.GetEndpoint()?.Metadata.GetMetadata<PolicyActionMetadata>()?.Action ?? invocation.HttpContext.Request.Method.ToLowerInvariant();
                throw ApiException.Forbidden($"Policy doesn't allow admin_api:{resource}:{action} to be performed.");
            }

            return await next(invocation);
        });
        return builder;
    }

    /// <summary>Names the action of an endpoint in its policy rule.</summary>
    public static TBuilder WithPolicyAction<TBuilder>(this TBuilder builder, string action)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new PolicyActionMetadata(action));

    internal sealed record PolicyActionMetadata(string Action);
}
