using System.Text.Json.Nodes;

namespace Tricircle.Pods;

/// <summary>
/// A pod's URLs in an answer made the gateway's, so that clients never see (or follow a link
/// to) a pod: the same rewrite as <see cref="PodForwarder.Rewrite"/> does on a forwarded body's
/// text, on a parsed tree.
/// </summary>
internal static class PodUrls
{
    /// <summary>
    /// A path the gateway read (ASP.NET Core decodes all but <c>%2F</c>) as a pod's relative URL:
    /// each segment escaped again, so a tab or a space stays in its segment instead of being
    /// trimmed off by <see cref="Uri"/> or read as something else by the pod.
    /// </summary>
    public static string EscapePath(string path) =>
        string.Join('/', path.Split('/').Select(segment => Uri.EscapeDataString(Uri.UnescapeDataString(segment))));

    public static void Rewrite(JsonNode? node, string podBase, string ownBase)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (value is JsonValue text && Rewritten(text, podBase, ownBase) is { } changed)
                    {
                        obj[key] = changed;
                    }
                    else
                    {
                        Rewrite(value, podBase, ownBase);
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    if (array[i] is JsonValue text && Rewritten(text, podBase, ownBase) is { } changed)
                    {
                        array[i] = changed;
                    }
                    else
                    {
                        Rewrite(array[i], podBase, ownBase);
                    }
                }

                break;
        }
    }

    private static string? Rewritten(JsonValue value, string podBase, string ownBase) =>
        value.TryGetValue<string>(out var text) ? Rewritten(text, podBase, ownBase) : null;

    /// <summary>The text made the gateway's when it is a pod's URL (the pod's base or under it); null otherwise.</summary>
    public static string? Rewritten(string text, string podBase, string ownBase) =>
        text == podBase || text.StartsWith(podBase + "/", StringComparison.Ordinal) ? ownBase + text[podBase.Length..] : null;
}
