namespace Tricircle.Hosting;

/// <summary>
/// The <c>[oslo_middleware]</c> section, as OpenStack services name it: the largest request body
/// any API takes (image data, streamed to Glance, is exempt).
/// </summary>
internal sealed class RequestLimitsOptions : ISectionOptions
{
    public const string Section = "oslo_middleware";

    /// <summary>oslo.middleware's default: 112 KiB.</summary>
    [ConfigurationKeyName("max_request_body_size")]
    public long MaxRequestBodySize { get; set; } = 114688;

    public IEnumerable<string> Problems()
    {
        if (MaxRequestBodySize is < 1024 or > 1024L * 1024 * 1024)
        {
            yield return $"[{Section}] max_request_body_size: {MaxRequestBodySize} is outside 1024..1073741824";
        }
    }
}
