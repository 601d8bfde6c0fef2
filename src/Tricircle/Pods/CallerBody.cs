using Tricircle.Errors;

namespace Tricircle.Pods;

/// <summary>
/// The caller's request body, read as it is forwarded to a pod. A failure to read it (over the
/// body limit, a broken chunked encoding, a client that went away) is the caller's, not the
/// pod's: it surfaces as <see cref="CallerBodyException"/>, which <see cref="PodClient"/> passes
/// on as the caller's error and never counts against the pod's health.
/// </summary>
internal sealed class CallerBodyStream(Stream inner) : Hosting.ReadOnlyBodyStream
{
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            return await inner.ReadAsync(buffer, cancellationToken);
        }
        catch (BadHttpRequestException e)
        {
            throw new CallerBodyException(e.StatusCode == StatusCodes.Status413PayloadTooLarge ? ErrorKind.OverLimit : ErrorKind.Invalid, e.Message, e);
        }
        catch (IOException e)
        {
            throw new CallerBodyException(ErrorKind.Invalid, "The request body could not be read: " + e.Message, e);
        }
    }
}

/// <summary>The caller's request body could not be read while it was forwarded (see <see cref="CallerBodyStream"/>).</summary>
internal sealed class CallerBodyException(ErrorKind kind, string message, Exception inner) : TricircleException(kind, message)
{
    public Exception Cause { get; } = inner;

    /// <summary>The caller's body failure inside whatever the HTTP client wrapped it in, if that is what it was.</summary>
    public static CallerBodyException? In(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            if (current is CallerBodyException caller)
            {
                return caller;
            }
        }

        return null;
    }
}
