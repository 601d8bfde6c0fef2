using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Tricircle.Hosting;

/// <summary>
/// Every answer's request id is "req-" and a random (version 4) UUID, as oslo.context makes
/// them, set on the context and in <c>x-openstack-request-id</c>, and a new one each request.
/// </summary>
public sealed class RequestIdMiddlewareTests
{
    [Fact]
    public async Task EachRequest_GetsAnOsloShapedRequestId_OfItsOwn()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 1000; i++)
        {
            var context = new DefaultHttpContext();
            await new RequestIdMiddleware(_ => Task.CompletedTask, NullLogger<RequestIdMiddleware>.Instance).InvokeAsync(context);

            var id = context.Response.Headers[RequestIdMiddleware.HeaderName].ToString();
            Assert.Equal(context.TraceIdentifier, id);
            Assert.Matches("^req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
            Assert.Equal(4, Guid.Parse(id[4..]).Version);
            Assert.True(ids.Add(id), $"{id} was given twice");
        }
    }
}
