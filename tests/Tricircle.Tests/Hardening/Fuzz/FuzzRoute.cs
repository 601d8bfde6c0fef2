namespace Tricircle.Hardening.Fuzz;

/// <summary>The central region's APIs, each with its own error shape.</summary>
internal enum FuzzApi
{
    /// <summary>Tricircle's Admin API v1.0: <c>{"badRequest": {"message", "code"}}</c>.</summary>
    Admin,

    /// <summary>The Nova gateway: <c>{"itemNotFound": {"message", "code"}}</c>.</summary>
    Compute,

    /// <summary>The Cinder gateway: as Nova.</summary>
    Volume,

    /// <summary>The Glance gateway: webob's <c>{"message", "code", "title"}</c>.</summary>
    Image,

    /// <summary>The central Neutron: <c>{"NeutronError": {"type", "message", "detail"}}</c>.</summary>
    Network,
}

/// <summary>
/// One operation of the central region, with a valid request the fuzzer breaks. <see cref="Path"/>
/// is absolute from the API's root (<c>/v2.1/servers/{server}</c>); <c>{name}</c> stands for an id
/// of the fuzz world (<see cref="FuzzWorld"/>). <see cref="Body"/> is a valid JSON body with
/// <c>$name$</c> for the same ids. <see cref="Rules"/> say what OpenStack's own schema accepts for
/// some fields (paths such as <c>server.metadata.*</c>, <c>server.networks[].uuid</c>).
/// </summary>
internal sealed record FuzzRoute(FuzzApi Api, string Method, string Path)
{
    public string? Body { get; init; }

    /// <summary>The one key the body must have (<c>server</c>); a body without it is refused by OpenStack.</summary>
    public string? Wrapper { get; init; }

    public IReadOnlyDictionary<string, FieldRule> Rules { get; init; } = new Dictionary<string, FieldRule>();

    /// <summary>OpenStack refuses unknown keys in the wrapped object (Nova's additionalProperties false, Neutron's attribute maps, the Admin API).</summary>
    public bool StrictKeys { get; init; }

    /// <summary>Query parameters the operation knows (filters, paging, sorting).</summary>
    public IReadOnlyList<string> Query { get; init; } = [];

    /// <summary>The request's content type (default application/json).</summary>
    public string ContentType { get; init; } = "application/json";

    /// <summary>The microversion sent when the case does not play with it.</summary>
    public string? Microversion { get; init; }

    /// <summary>Only an admin may (OpenStack's default policy): a member's 2xx is a finding.</summary>
    public bool AdminOnly { get; init; }

    /// <summary>Open without a token (version documents).</summary>
    public bool Anonymous { get; init; }

    /// <summary>The body goes to a pod as it is (the pod's service judges it).</summary>
    public bool Forwarded { get; init; }

    /// <summary>The body is not JSON (image data): no JSON mutation applies.</summary>
    public bool Data { get; init; }

    /// <summary>A body is allowed but not needed (a job redo): a broken one may be ignored.</summary>
    public bool BodyIgnored { get; init; }

    /// <summary>A label that tells apart operations on one path (actions).</summary>
    public string? Variant { get; init; }

    public bool HasJsonBody => Body is not null && !Data;

    public string Name => $"{Method} {Path}{(Variant is null ? "" : " " + Variant)}";

    public override string ToString() => $"{Api} {Name}";
}
