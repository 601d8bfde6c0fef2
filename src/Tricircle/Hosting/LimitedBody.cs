namespace Tricircle.Hosting;

/// <summary>
/// A chunked request body that fails with a 413 (<see cref="BadHttpRequestException"/>, as
/// Kestrel's own limit does) once it passes <c>max_request_body_size</c>. Kestrel's limit is
/// set higher (<see cref="RequestLimitsMiddleware.DrainLimit"/>) so that, after the 413 is
/// written, it still drains what the client keeps sending instead of closing the connection
/// under it.
/// </summary>
internal sealed class LimitedBody(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        _read += read;
        return _read > limit
            ? throw new BadHttpRequestException($"Request is too large. Larger than max_request_body_size ({limit}).", StatusCodes.Status413PayloadTooLarge)
            : read;
    }
}
