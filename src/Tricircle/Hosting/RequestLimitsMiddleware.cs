using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Tricircle.Hosting;

/// <summary>
/// A request line longer than OpenStack's (8 KiB, eventlet's and Apache's) is a 414 in the API's
/// shape, a header line over <see cref="MaxHeaderLine"/> a 431 (Kestrel itself takes lines up
/// to 1 MiB and headers up to 256 KiB, so that they reach here rather than getting Kestrel's
/// bodiless answer). Every request body is limited to <c>[oslo_middleware] max_request_body_size</c>, as in any
/// OpenStack service: a declared length over it is refused at once with 413, and a chunked body
/// stops being read there (413, <see cref="LimitedBody"/>). So one caller's huge body is that caller's 413, never
/// a pod call that fails half-way and counts against the pod. Image data, which the Glance
/// gateway streams, has no limit here (Glance has its own <c>image_size_cap</c>).
/// </summary>
internal sealed class RequestLimitsMiddleware(RequestDelegate next, IOptions<RequestLimitsOptions> options)
{
    public const int MaxRequestTarget = 8192;

    /// <summary>eventlet's and oslo.service's <c>max_header_line</c>: a longer header line is refused.</summary>
    public const int MaxHeaderLine = 16384;

    /// <summary>
    /// What Kestrel reads and discards of a refused body before it drops the connection: a
    /// client still sending its too-large body (one that does not wait for 100-continue) then
    /// reads its 413 instead of a broken pipe.
    /// </summary>
    public const long DrainLimit = 64L * 1024 * 1024;

    private readonly long _limit = options.Value.MaxRequestBodySize;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Value?.Length + context.Request.QueryString.Value?.Length > MaxRequestTarget)
        {
            throw new ApiException(StatusCodes.Status414UriTooLong, $"The request URI is longer than {MaxRequestTarget} characters.");
        }

        if (context.Request.QueryString.Value?.Contains("%00", StringComparison.Ordinal) == true)
        {
            // U+0000 names nothing and cannot reach PostgreSQL as text: every API refuses it alike.
            throw new ApiException(StatusCodes.Status400BadRequest, "Invalid query: a parameter holds the NUL character (%00).");
        }

        foreach (var (name, values) in context.Request.Headers)
        {
            foreach (var value in values)
            {
                if (name.Length + 2 + (value?.Length ?? 0) > MaxHeaderLine)
                {
                    throw new ApiException(StatusCodes.Status431RequestHeaderFieldsTooLarge, $"The request header {name} is longer than {MaxHeaderLine} bytes.");
                }
            }
        }

        var feature = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (context.Features.Get<ApiRoleFeature>()?.Role == ServiceRole.Image && Image.ImageApi.IsData(context.Request.Path.ToUriComponent()))
        {
            if (feature is { IsReadOnly: false })
            {
                feature.MaxRequestBodySize = null; // an image is as large as it is; Glance enforces its own image_size_cap
            }

            return next(context);
        }

        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = Math.Max(DrainLimit, 2 * _limit);
        }

        if (context.Request.ContentLength > _limit)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"Request is too large. Larger than max_request_body_size ({_limit}).");
        }

        // Only a chunked body needs counting (a declared one was judged above); a bodiless GET keeps its stream.
        if (context.Request.ContentLength is null && context.Request.Headers.TransferEncoding.Count > 0 && context.Request.Body is { } body)
        {
            context.Request.Body = new LimitedBody(body, _limit);
        }

        return next(context);
    }
}
