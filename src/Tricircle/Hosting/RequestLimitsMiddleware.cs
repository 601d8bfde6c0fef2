using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Tricircle.Hosting;

/// <summary>
/// A request line longer than OpenStack's (8 KiB, eventlet's and Apache's) is a 414 in the API's
/// shape (Kestrel itself takes up to 128 KiB, so that it reaches here rather than getting
/// Kestrel's bodiless answer). Every request body is limited to <c>[oslo_middleware] max_request_body_size</c>, as in any
/// OpenStack service: a declared length over it is refused at once with 413, and a chunked body
/// stops being read there (Kestrel's 413). So one caller's huge body is that caller's 413, never
/// a pod call that fails half-way and counts against the pod. Image data, which the Glance
/// gateway streams, has no limit here (Glance has its own <c>image_size_cap</c>).
/// </summary>
internal sealed class RequestLimitsMiddleware(RequestDelegate next, IOptions<RequestLimitsOptions> options)
{
    public const int MaxRequestTarget = 8192;

    private readonly long _limit = options.Value.MaxRequestBodySize;

    public Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.Value?.Length + context.Request.QueryString.Value?.Length > MaxRequestTarget)
        {
            throw new ApiException(StatusCodes.Status414UriTooLong, $"The request URI is longer than {MaxRequestTarget} characters.");
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

        if (context.Request.ContentLength > _limit)
        {
            throw new ApiException(StatusCodes.Status413PayloadTooLarge, $"Request is too large. Larger than max_request_body_size ({_limit}).");
        }

        if (feature is { IsReadOnly: false })
        {
            feature.MaxRequestBodySize = _limit;
        }

        return next(context);
    }
}
