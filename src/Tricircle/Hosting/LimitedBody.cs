namespace Tricircle.Hosting;

/// <summary>
/// A chunked request body that fails with a 413 (<see cref="BadHttpRequestException"/>, as
/// Kestrel's own limit does) once it passes <c>max_request_body_size</c>. Kestrel's limit is
/// set higher (<see cref="RequestLimitsMiddleware.DrainLimit"/>) so that, after the 413 is
/// written, it still drains what the client keeps sending instead of closing the connection
/// under it.
/// </summary>
internal sealed class LimitedBody(Stream inner, long limit) : ReadOnlyBodyStream
{
    private long _read;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        _read += read;
        return _read > limit
            ? throw new BadHttpRequestException($"Request is too large. Larger than max_request_body_size ({limit}).", StatusCodes.Status413PayloadTooLarge)
            : read;
    }
}
