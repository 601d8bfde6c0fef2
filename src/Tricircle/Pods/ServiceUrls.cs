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

    /// <summary>The catalog URL cut after its version segment (<c>v2.1</c>, <c>v3</c>); unversioned URLs as they are.</summary>
    public static Uri VersionedRoot(Uri url) => Remember(Roots, url.OriginalString, url, static url =>
    {
        var segments = url.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var version = Array.FindLastIndex(segments, s => s.Length > 1 && s[0] == 'v' && char.IsAsciiDigit(s[1]) && s[1..].All(c => char.IsAsciiDigit(c) || c == '.'));
        var path = version < 0 ? string.Join('/', segments) : string.Join('/', segments.Take(version + 1));
        return new Uri(url.GetLeftPart(UriPartial.Authority) + "/" + path);
    });

    /// <summary>The pod's service URL without its version segment: what its links start with.</summary>
    public static string BaseOf(Uri versionedRoot) => Remember(Bases, versionedRoot.OriginalString, versionedRoot, static root =>
    {
        var text = root.ToString().TrimEnd('/');
        var last = text.LastIndexOf('/');
        var segment = text[(last + 1)..];
        var isVersion = segment.Length > 1 && segment[0] == 'v' && char.IsAsciiDigit(segment[1]);
        return isVersion && last > "http://".Length ? text[..last] : text;
    });

    // The value made from the argument by a static lambda, not a closure over it: a hit allocates nothing.
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
