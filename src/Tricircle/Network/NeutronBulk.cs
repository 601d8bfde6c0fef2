using System.Text.Json.Nodes;
using Tricircle.Hosting;

namespace Tricircle.Network;

/// <summary>
/// A create body of the central Neutron, one resource or Neutron's bulk form
/// (<c>POST /v2.0/networks {"networks": [...]}</c>, for the resources Neutron allows it for:
/// networks, subnets, ports, security groups and their rules). Every item is read and checked
/// before anything is made, then made one by one with the single create's own code (its
/// policy, quota and pod copies); should one fail, those already made are deleted again, as
/// Neutron's emulated bulk does, and that item's error is the answer: all or nothing. The quota
/// counts the whole batch, since each item's check sees the ones made before it.
/// </summary>
internal static partial class NeutronBulk
{
    /// <summary>One item made: its view, and how to take it back should a later item fail.</summary>
    public sealed record Made(JsonObject View, Func<CancellationToken, Task> Undo);

    /// <summary>Reads the body against <paramref name="schema"/> and answers 201 with the resource made, or the whole <paramref name="collection"/> made.</summary>
    public static async Task CreateAsync(HttpContext context, BodySchema schema, string collection, Func<Body, Task<Made>> create)
    {
        var wrapper = schema.Wrapper!;
        var root = await RequestBody.ReadObjectAsync(context, wrapper);
        if (!root.ContainsKey(collection))
        {
            var one = await create(schema.Check(context, root));
            await NeutronBody.ShowAsync(context, wrapper, one.View, 201);
            return;
        }

        var bodies = Items(context, root[collection], wrapper).Select(item => schema.Check(context, item)).ToList();
        var made = new List<Made>();
        try
        {
            foreach (var body in bodies)
            {
                made.Add(await create(body));
            }
        }
        catch (Exception)
        {
            await UndoAsync(context, collection, made);
            throw;
        }

        var fields = NeutronQuery.FieldsOf(context.Request.Query);
        await NeutronBody.WriteAsync(context, 201, new JsonObject { [collection] = new JsonArray([.. made.Select(m => (JsonNode)NeutronQuery.Project(m.View, fields))]) });
    }

    /// <summary>
    /// The items as single bodies, as Neutron's <c>prepare_request_body</c> takes them: an item
    /// that holds the resource's key is a whole body, any other is the resource itself.
    /// </summary>
    private static IEnumerable<JsonObject> Items(HttpContext context, JsonNode? items, string wrapper)
    {
        if (items is not JsonArray { Count: > 0 } list)
        {
            throw items is null or JsonArray ? Errors.TricircleException.Invalid("Resources required", "HTTPBadRequest") : BodyDialect.Of(context).NotAnObject(items, wrapper);
        }

        return list.Select(item => item is JsonObject o && o.ContainsKey(wrapper) ? o : new JsonObject { [wrapper] = item?.DeepClone() });
    }

    // Later items first; an undo that fails is logged and the others still go (the item's error is the answer).
    private static async Task UndoAsync(HttpContext context, string collection, List<Made> made)
    {
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(NeutronBulk));
        for (var i = made.Count - 1; i >= 0; i--)
        {
            try
            {
                await made[i].Undo(CancellationToken.None);
            }
            catch (Exception e)
            {
                LogUndoFailed(logger, collection, e);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A bulk create of {Collection} failed and one of the items it had made could not be deleted again")]
    private static partial void LogUndoFailed(ILogger logger, string collection, Exception exception);
}
