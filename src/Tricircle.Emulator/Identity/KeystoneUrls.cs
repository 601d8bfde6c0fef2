namespace Tricircle.Emulator.Identity;

/// <summary>
/// The emulator's own addresses. Bound once, right after Kestrel has picked its port and before
/// <see cref="KeystoneEmulator.StartAsync"/> returns, so no caller can reach the API earlier.
/// </summary>
internal sealed class KeystoneUrls
{
    private Uri? _root;

    /// <summary>The unversioned root, with a trailing slash: <c>http://127.0.0.1:35123/</c>.</summary>
    public Uri Root => _root ?? throw new InvalidOperationException("The emulator has not started yet.");

    /// <summary>What OS_AUTH_URL is set to: <c>http://127.0.0.1:35123/v3</c>.</summary>
    public Uri AuthUrl => new(Root, "v3");

    /// <summary>The root without its trailing slash, as Keystone puts it in <c>WWW-Authenticate</c>.</summary>
    public string WwwAuthenticateUri => Root.AbsoluteUri.TrimEnd('/');

    public void Bind(Uri root) => _root = root;

    /// <summary>An absolute link under the root, for Keystone's <c>links</c> members.</summary>
    public string Link(string relativePath) => new Uri(Root, relativePath).AbsoluteUri;
}
