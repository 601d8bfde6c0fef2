using System.CommandLine;
using System.Globalization;

namespace Tricircle.Cli;

/// <summary><c>tricircle routing create|list|show|set|delete</c>.</summary>
internal static class RoutingCommands
{
    private static readonly Column[] ListColumns =
        [new("ID", "id"), new("Top ID", "top_id"), new("Bottom ID", "bottom_id"), new("Pod", "pod_id"), new("Project", "project_id"), new("Type", "resource_type")];

    private static readonly Column[] Fields =
        [new("id", "id"), new("top_id", "top_id"), new("bottom_id", "bottom_id"), new("pod_id", "pod_id"), new("project_id", "project_id"), new("resource_type", "resource_type"), new("created_at", "created_at"), new("updated_at", "updated_at")];

    public static Command Create(CloudOptions cloud)
    {
        var routing = AdminCommand.Group("routing", "Resource routings: where each top resource lives in the pods.", cloud);

        var top = new Option<string>("--top-id") { Description = "Top (central) resource id", Required = true };
        var bottom = new Option<string>("--bottom-id") { Description = "The resource's id in the pod", Required = true };
        var pod = new Option<string>("--pod") { Description = "Pod id or region name", Required = true };
        var project = new Option<string>("--project") { Description = "Owning project id", Required = true };
        var type = new Option<string>("--resource-type") { Description = "network, subnet, port, router, server, volume, ...", Required = true };
        var create = new Command("create", "Add a routing by hand (the service adds its own).") { top, bottom, pod, project, type };
        create.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var body = new
            {
                routing = new
                {
                    top_id = parse.GetValue(top),
                    bottom_id = parse.GetValue(bottom),
                    pod_id = await AdminCommand.PodIdAsync(client, parse.GetValue(pod)!, ct),
                    project_id = parse.GetValue(project),
                    resource_type = parse.GetValue(type),
                },
            };
            Output.Item(format, (await client.PostAsync("routings", body, ct)).GetProperty("routing"), Fields);
        });

        var fTop = new Option<string?>("--top-id") { Description = "Only this top id" };
        var fBottom = new Option<string?>("--bottom-id") { Description = "Only this bottom id" };
        var fPod = new Option<string?>("--pod") { Description = "Only this pod (id or region name)" };
        var fProject = new Option<string?>("--project") { Description = "This project's routings (default: your own)" };
        var fType = new Option<string?>("--resource-type") { Description = "Only this type" };
        var all = new Option<bool>("--all-projects") { Description = "Every project's routings" };
        var limit = new Option<int?>("--limit") { Description = "One page of at most this many (default: every page)" };
        var marker = new Option<long?>("--marker") { Description = "Start after this routing id" };
        var list = new Command("list", "List routings, newest first.") { fTop, fBottom, fPod, fProject, fType, all, limit, marker };
        list.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var query = new List<string>();
            void Add(string key, string? value)
            {
                if (value is not null)
                {
                    query.Add($"{key}={AdminCommand.Escape(value)}");
                }
            }

            Add("top_id", parse.GetValue(fTop));
            Add("bottom_id", parse.GetValue(fBottom));
            Add("pod_id", parse.GetValue(fPod) is { } p ? await AdminCommand.PodIdAsync(client, p, ct) : null);
            Add("project_id", parse.GetValue(fProject));
            Add("resource_type", parse.GetValue(fType));
            Add("all_projects", parse.GetValue(all) ? "true" : null);
            Add("limit", parse.GetValue(limit)?.ToString(CultureInfo.InvariantCulture));
            Add("marker", parse.GetValue(marker)?.ToString(CultureInfo.InvariantCulture));

            var path = "routings" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
            Output.List(format, await AdminCommand.PagesAsync(client, path, "routings", follow: parse.GetValue(limit) is null, ct), ListColumns);
        });

        var showId = new Argument<long>("routing") { Description = "Routing id" };
        var show = new Command("show", "Show a routing.") { showId };
        show.SetAdminAction(cloud, async (parse, client, format, ct) =>
            Output.Item(format, (await client.GetAsync($"routings/{parse.GetValue(showId)}", ct)).GetProperty("routing"), Fields));

        var setId = new Argument<long>("routing") { Description = "Routing id" };
        var sTop = new Option<string?>("--top-id") { Description = "New top id" };
        var sBottom = new Option<string?>("--bottom-id") { Description = "New bottom id" };
        var sPod = new Option<string?>("--pod") { Description = "New pod (id or region name)" };
        var sProject = new Option<string?>("--project") { Description = "New project id" };
        var sType = new Option<string?>("--resource-type") { Description = "New type" };
        var set = new Command("set", "Change a routing.") { setId, sTop, sBottom, sPod, sProject, sType };
        set.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var body = new Dictionary<string, string>();
            void Put(string key, string? value)
            {
                if (value is not null)
                {
                    body[key] = value;
                }
            }

            Put("top_id", parse.GetValue(sTop));
            Put("bottom_id", parse.GetValue(sBottom));
            Put("pod_id", parse.GetValue(sPod) is { } p ? await AdminCommand.PodIdAsync(client, p, ct) : null);
            Put("project_id", parse.GetValue(sProject));
            Put("resource_type", parse.GetValue(sType));
            Output.Item(format, (await client.PutAsync($"routings/{parse.GetValue(setId)}", new { routing = body }, ct)).GetProperty("routing"), Fields);
        });

        var deleteIds = new Argument<long[]>("routing") { Description = "Routing ids", Arity = ArgumentArity.OneOrMore };
        var delete = new Command("delete", "Delete routings (the service's own rows too: use with care).") { deleteIds };
        delete.SetAdminAction(cloud, async (parse, client, _, ct) =>
        {
            foreach (var id in parse.GetValue(deleteIds)!)
            {
                await client.DeleteAsync($"routings/{id}", ct);
            }
        });

        routing.Subcommands.Add(create);
        routing.Subcommands.Add(list);
        routing.Subcommands.Add(show);
        routing.Subcommands.Add(set);
        routing.Subcommands.Add(delete);
        return routing;
    }
}
