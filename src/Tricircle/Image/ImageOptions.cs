using Tricircle.Hosting;

namespace Tricircle.Image;

/// <summary>The <c>[image]</c> section: which Glance the image gateway fronts.</summary>
internal sealed class ImageOptions : ISectionOptions
{
    public const string Section = "image";

    /// <summary>
    /// The Keystone region whose Glance holds the central images. Empty: the central region
    /// (<c>[client] top_region_name</c>), i.e. a shared Glance the operator registered there.
    /// </summary>
    [ConfigurationKeyName("glance_region")]
    public string GlanceRegion { get; set; } = "";

    /// <summary>Seconds a boot waits for another boot's copy of the same image into the same pod.</summary>
    [ConfigurationKeyName("sync_wait")]
    public int SyncWait { get; set; } = 600;

    public IEnumerable<string> Problems()
    {
        if (GlanceRegion.Length > 0 && (GlanceRegion.Trim() != GlanceRegion || GlanceRegion.Length > 255))
        {
            yield return $"[image] glance_region: '{GlanceRegion}' is not a region name (no surrounding spaces, at most 255 characters)";
        }

        if (SectionOptionsExtensions.CheckRange(Section, "sync_wait", SyncWait, 1, 86_400) is { } wait)
        {
            yield return wait;
        }
    }
}
