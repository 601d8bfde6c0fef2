using System.Collections.Concurrent;

namespace Tricircle.Pods;

/// <summary>
/// What is worked out from a pod's service URL, kept per URL: every pod call needs the URL
/// parsed, its versioned root and its base, and they are the same few URLs on every call
/// (a handful per pod), so parsing, splitting and joining them per call only made garbage.
/// A <see cref="Uri"/> is immutable: one instance serves every call.
/// </summary>
internal static class ServiceUrls
{
    // Catalog URLs are few; the bound only keeps a catalog that changes its URLs all the time
    // (or a test making many regions) from growing these without end.
    private const int Bound = 10_000;

    private static readonly ConcurrentDictionary<string, Uri> Parsed = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Uri> Roots = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, string> Bases = new(StringComparer.Ordinal);

    /// <summary>The URL as a <see cref="Uri"/>, parsed once.</summary>
    public static Uri Parse(string url) => Remember(Parsed, url, url, static u => new Uri(u));

    /// <summary>See <see cref="PodClient.VersionedRoot"/>.</summary>
    public static Uri VersionedRoot(Uri url, Func<Uri, Uri> make) => Remember(Roots, url.OriginalString, url, make);

    /// <summary>See <see cref="PodForwarder.BaseOf"/>.</summary>
    public static string BaseOf(Uri versionedRoot, Func<Uri, string> make) => Remember(Bases, versionedRoot.OriginalString, versionedRoot, make);

    // The value made from the argument, not a closure over it: a hit allocates nothing.
    private static T Remember<TArg, T>(ConcurrentDictionary<string, T> memo, string key, TArg arg, Func<TArg, T> make)
    {
        if (memo.TryGetValue(key, out var known))
        {
            return known;
        }

        if (memo.Count >= Bound)
        {
            memo.Clear();
        }

        return memo[key] = make(arg);
    }
}
