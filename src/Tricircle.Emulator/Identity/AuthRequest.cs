using System.Text.Json;

namespace Tricircle.Emulator.Identity;

/// <summary>A reference by id, or by name within a domain (itself by id or name).</summary>
internal sealed record NameOrId(string? Id, string? Name, NameOrId? Domain);

internal enum ScopeKind
{
    /// <summary>No scope given: the user's default project if usable, else unscoped.</summary>
    Default,
    Unscoped,
    Project,
    /// <summary>Domain, system or trust scope, which the emulator does not issue.</summary>
    Unsupported,
}

internal sealed record AuthScope(ScopeKind Kind, NameOrId? Project);

internal sealed record PasswordIdentity(NameOrId User, string Password);

/// <summary>The parsed body of <c>POST /v3/auth/tokens</c>.</summary>
internal sealed record AuthRequest(IReadOnlyList<string> Methods, PasswordIdentity? Password, string? TokenId, AuthScope Scope)
{
    /// <summary>Parses Keystone's auth body; throws a 400 <see cref="KeystoneException"/> naming what is wrong.</summary>
    public static AuthRequest Parse(JsonElement root)
    {
        var auth = RequiredObject(root, "auth", "the request body");
        var identity = RequiredObject(auth, "identity", "auth");
        if (!identity.TryGetProperty("methods", out var methodsElement) || methodsElement.ValueKind != JsonValueKind.Array)
        {
            throw KeystoneException.BadRequest("Expecting to find methods (an array) in identity.");
        }

        var methods = new List<string>();
        foreach (var method in methodsElement.EnumerateArray())
        {
            if (method.ValueKind != JsonValueKind.String)
            {
                throw KeystoneException.BadRequest("identity.methods must contain only strings.");
            }

            methods.Add(method.GetString()!);
        }

        if (methods.Count == 0)
        {
            throw KeystoneException.BadRequest("identity.methods must not be empty.");
        }

        PasswordIdentity? password = null;
        if (methods.Contains("password"))
        {
            var passwordElement = RequiredObject(identity, "password", "identity");
            var user = RequiredObject(passwordElement, "user", "password");
            var secret = OptionalString(user, "password", "password.user")
                ?? throw KeystoneException.BadRequest("Expecting to find password in password.user.");
            password = new PasswordIdentity(ParseNameOrId(user, "password.user", requireDomainForName: true), secret);
        }

        string? tokenId = null;
        if (methods.Contains("token"))
        {
            var token = RequiredObject(identity, "token", "identity");
            tokenId = OptionalString(token, "id", "identity.token");
        }

        return new AuthRequest(methods, password, tokenId, ParseScope(auth));
    }

    private static AuthScope ParseScope(JsonElement auth)
    {
        if (!auth.TryGetProperty("scope", out var scope) || scope.ValueKind == JsonValueKind.Null)
        {
            return new AuthScope(ScopeKind.Default, null);
        }

        if (scope.ValueKind == JsonValueKind.String && scope.GetString() == "unscoped")
        {
            return new AuthScope(ScopeKind.Unscoped, null);
        }

        if (scope.ValueKind != JsonValueKind.Object)
        {
            throw KeystoneException.BadRequest("auth.scope must be an object or \"unscoped\".");
        }

        if (scope.TryGetProperty("project", out var project))
        {
            if (project.ValueKind != JsonValueKind.Object)
            {
                throw KeystoneException.BadRequest("auth.scope.project must be an object.");
            }

            return new AuthScope(ScopeKind.Project, ParseNameOrId(project, "scope.project", requireDomainForName: true));
        }

        if (scope.TryGetProperty("domain", out _) || scope.TryGetProperty("system", out _) || scope.TryGetProperty("OS-TRUST:trust", out _))
        {
            return new AuthScope(ScopeKind.Unsupported, null);
        }

        throw KeystoneException.BadRequest("auth.scope must name a project, domain or system.");
    }

    private static NameOrId ParseNameOrId(JsonElement element, string path, bool requireDomainForName)
    {
        var id = OptionalString(element, "id", path);
        if (id is not null)
        {
            return new NameOrId(id, null, null);
        }

        var name = OptionalString(element, "name", path)
            ?? throw KeystoneException.BadRequest($"Expecting to find id or name in {path}.");
        if (!element.TryGetProperty("domain", out var domain) || domain.ValueKind != JsonValueKind.Object)
        {
            if (requireDomainForName)
            {
                throw KeystoneException.BadRequest($"Expecting to find domain in {path} (a name is only unique within a domain).");
            }

            return new NameOrId(null, name, null);
        }

        return new NameOrId(null, name, ParseNameOrId(domain, path + ".domain", requireDomainForName: false));
    }

    private static JsonElement RequiredObject(JsonElement parent, string name, string parentPath)
    {
        if (parent.ValueKind != JsonValueKind.Object
            || !parent.TryGetProperty(name, out var value)
            || value.ValueKind != JsonValueKind.Object)
        {
            throw KeystoneException.BadRequest($"Expecting to find {name} (an object) in {parentPath}.");
        }

        return value;
    }

    private static string? OptionalString(JsonElement parent, string name, string parentPath)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw KeystoneException.BadRequest($"{parentPath}.{name} must be a string.");
        }

        return value.GetString();
    }
}
