using System.Text.Json.Nodes;

namespace Tricircle.Pods;

/// <summary>
/// A pod's URLs in an answer made the gateway's, so that clients never see (or follow a link
/// to) a pod: the same rewrite as <see cref="PodForwarder.Rewrite"/> does on a forwarded body's
/// text, on a parsed tree.
/// </summary>
internal static class PodUrls
{
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
        value.TryGetValue<string>(out var text) && (text == podBase || text.StartsWith(podBase + "/", StringComparison.Ordinal))
            ? ownBase + text[podBase.Length..]
            : null;
}
