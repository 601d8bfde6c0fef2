using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Tricircle.Hosting;

/// <summary>
/// Every request body is limited to <c>[oslo_middleware] max_request_body_size</c>, as in any
/// OpenStack service: a declared length over it is refused at once with 413, and a chunked body
/// stops being read there (Kestrel's 413). So one caller's huge body is that caller's 413, never
/// a pod call that fails half-way and counts against the pod. Image data, which the Glance
/// gateway streams, has no limit here (Glance has its own <c>image_size_cap</c>).
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptions<RequestLimitsOptions> options)
{
    private readonly long _limit = options.Value.MaxRequestBodySize;

    public Task InvokeAsync(HttpContext context)
    {
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
