namespace Tricircle.Hosting;

/// <summary>
/// Turns <see cref="ApiException"/> and <see cref="Errors.TricircleException"/> into the API's
/// error shape, gives every bodiless error (unknown path, wrong method) a JSON body, and turns
/// anything unexpected into a logged 500 rather than a dropped connection.
/// </summary>
internal sealed partial class ApiErrorMiddleware(RequestDelegate next, ILogger<ApiErrorMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (ApiException e) when (!context.Response.HasStarted)
        {
            await ApiErrors.WriteAsync(context, e.StatusCode, e.Message, e.ErrorType);
            return;
        }
        catch (Errors.TricircleException e) when (!context.Response.HasStarted)
        {
            await ApiErrors.WriteAsync(context, StatusOf(e.Kind), e.Message, e.Type);
            return;
        }
        catch (Identity.KeystoneException e) when (!context.Response.HasStarted)
        {
            Log.KeystoneFailed(logger, e.Message);
            await ApiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The identity service could not be reached; try again later.");
            return;
        }
        catch (Pods.PodErrorException e) when (!context.Response.HasStarted)
        {
            // A pod refused something the gateway asked for on the caller's behalf: its verdict stands.
            await ApiErrors.WriteAsync(context, e.StatusCode is >= 400 and < 600 ? e.StatusCode : StatusCodes.Status502BadGateway, $"{e.PodMessage} (pod {e.Pod.RegionName})");
            return;
        }
        catch (BadHttpRequestException e) when (!context.Response.HasStarted)
        {
            await ApiErrors.WriteAsync(context, e.StatusCode, e.Message);
            return;
        }
        catch (System.Data.Common.DbException e) when (e.SqlState is "22021" or "22P05" && !context.Response.HasStarted)
        {
            // Text PostgreSQL cannot hold (U+0000 in a query value, say): the caller's input, not a fault.
            await ApiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid input: it holds characters that cannot be stored.");
            return;
        }
        catch (Exception e) when (Data.Database.IsBusy(e) && !context.Response.HasStarted)
        {
            // Contention, not a fault: the transaction rolled back, so the caller may simply retry.
            Log.DatabaseBusy(logger, context.Request.Method, context.Request.Path, e.Message);
            context.Response.Headers.RetryAfter = "1";
            await ApiErrors.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "The database is busy; nothing was changed. Try again shortly.");
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // the client went away; nobody is left to answer
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            Log.Unhandled(logger, e, context.Request.Method, context.Request.Path);
            context.Response.Clear();
            context.Response.Headers[RequestIdMiddleware.HeaderName] = context.TraceIdentifier; // the 500's message points at it
            await ApiErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, "An unexpected error occurred; the request id names it in the service log.");
            return;
        }

        var status = context.Response.StatusCode;
        if (status >= 400 && !context.Response.HasStarted && context.Response.ContentLength is null or 0 && context.Response.ContentType is null)
        {
            var message = status == 404 ? $"The resource {context.Request.Path} could not be found." : ApiErrors.DefaultMessage(status);
            await ApiErrors.WriteAsync(context, status, message);
        }
    }

    /// <summary>The status every API gives a kind of failure (the shape and names are each API's own).</summary>
    public static int StatusOf(Errors.ErrorKind kind) => kind switch
    {
        Errors.ErrorKind.Invalid => StatusCodes.Status400BadRequest,
        Errors.ErrorKind.Forbidden => StatusCodes.Status403Forbidden,
        Errors.ErrorKind.NotFound => StatusCodes.Status404NotFound,
        Errors.ErrorKind.Conflict => StatusCodes.Status409Conflict,
        Errors.ErrorKind.OverLimit => StatusCodes.Status413RequestEntityTooLarge,
        _ => StatusCodes.Status503ServiceUnavailable,
    };

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Warning, "Keystone failed: {Reason}")]
        public static partial void KeystoneFailed(ILogger logger, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Database busy serving {Method} {Path}: {Reason}")]
        public static partial void DatabaseBusy(ILogger logger, string method, PathString path, string reason);

        [LoggerMessage(1, LogLevel.Error, "Unhandled error serving {Method} {Path}")]
        public static partial void Unhandled(ILogger logger, Exception exception, string method, PathString path);
    }
}
