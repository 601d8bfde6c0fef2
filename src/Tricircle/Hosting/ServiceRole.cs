using Microsoft.AspNetCore.Routing.Matching;

namespace Tricircle.Hosting;

/// <summary>The parts of the service one instance may run (<c>tricircle serve --roles</c>).</summary>
internal enum ServiceRole
{
    /// <summary>Admin API v1.0 (pods, bindings, routings).</summary>
    Admin,

    /// <summary>Nova v2.1 gateway.</summary>
    Compute,

    /// <summary>Cinder v3 gateway.</summary>
    Volume,

    /// <summary>Glance v2 gateway.</summary>
    Image,

    /// <summary>Central Neutron v2.0.</summary>
    Network,

    /// <summary>Job workers (no port): they carry central changes to the pods and audit them.</summary>
    Jobs,

    /// <summary>The operator's web console (pods, topology, jobs, find), logged in against Keystone.</summary>
    Console,
}

/// <summary>Marks an endpoint as part of one role's API, served only on that role's port.</summary>
internal sealed record ApiRoleMetadata(ServiceRole Role);

/// <summary>Set on each connection by the listener it arrived on.</summary>
internal sealed record ApiRoleFeature(ServiceRole Role);

/// <summary>
/// Several APIs share one process and one route table but each answers only on its own port
/// (Nova's "/" is not the Admin API's "/"). Kestrel tags each connection with the role of its
/// listener; this policy drops route candidates of other roles. The port is decided by the
/// socket, not the Host header, so a TLS proxy in front changes nothing.
/// </summary>
internal sealed class ApiRoleMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<ApiRoleMetadata>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var role = httpContext.Features.Get<ApiRoleFeature>();
        if (role is null)
        {
            return Task.CompletedTask; // not from a role listener (an in-memory test server): keep all
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            var metadata = candidates[i].Endpoint.Metadata.GetMetadata<ApiRoleMetadata>();
            if (metadata is not null && metadata.Role != role.Role)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }
}
