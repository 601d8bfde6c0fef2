using System.CommandLine;

namespace Tricircle.Cli;

/// <summary><c>tricircle binding create|list|show|set|delete</c>.</summary>
internal static class BindingCommands
{
    private static readonly Column[] ListColumns =
        [new("ID", "id"), new("Tenant", "tenant_id"), new("Pod", "pod_id"), new("Active", "is_binding"), new("Created", "created_at")];

    private static readonly Column[] Fields =
        [new("id", "id"), new("tenant_id", "tenant_id"), new("pod_id", "pod_id"), new("is_binding", "is_binding"), new("created_at", "created_at"), new("updated_at", "updated_at")];

    public static Command Create(CloudOptions cloud)
    {
        var binding = AdminCommand.Group("binding", "Pod bindings: the pod a tenant's new resources go to in an AZ.", cloud);

        var tenant = new Option<string>("--tenant") { Description = "Tenant (project) id", Required = true };
        var pod = new Option<string>("--pod") { Description = "Pod id or region name", Required = true };
        var create = new Command("create", "Bind a tenant to a pod (retiring its other binding in that AZ).") { tenant, pod };
        create.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var podId = await AdminCommand.PodIdAsync(client, parse.GetValue(pod)!, ct);
            var created = await client.PostAsync("bindings", new { pod_binding = new { tenant_id = parse.GetValue(tenant), pod_id = podId } }, ct);
            Output.Item(format, created.GetProperty("pod_binding"), Fields);
        });

        var filterTenant = new Option<string?>("--tenant") { Description = "Only this tenant's bindings" };
        var filterPod = new Option<string?>("--pod") { Description = "Only bindings to this pod (id or region name)" };
        var activeOnly = new Option<bool>("--active") { Description = "Only active bindings" };
        var list = new Command("list", "List pod bindings.") { filterTenant, filterPod, activeOnly };
        list.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var query = new List<string>();
            if (parse.GetValue(filterTenant) is { } t)
            {
                query.Add("tenant_id=" + AdminCommand.Escape(t));
            }

            if (parse.GetValue(filterPod) is { } p)
            {
                query.Add("pod_id=" + AdminCommand.Escape(await AdminCommand.PodIdAsync(client, p, ct)));
            }

            if (parse.GetValue(activeOnly))
            {
                query.Add("is_binding=true");
            }

            var result = await client.GetAsync("bindings" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), ct);
            Output.List(format, result.GetProperty("pod_bindings").EnumerateArray().ToList(), ListColumns);
        });

        var showId = new Argument<string>("binding") { Description = "Binding id" };
        var show = new Command("show", "Show a pod binding.") { showId };
        show.SetAdminAction(cloud, async (parse, client, format, ct) =>
            Output.Item(format, (await client.GetAsync($"bindings/{AdminCommand.Escape(parse.GetValue(showId)!)}", ct)).GetProperty("pod_binding"), Fields));

        var setId = new Argument<string>("binding") { Description = "Binding id" };
        var activate = new Option<bool>("--active") { Description = "Make this the tenant's binding in its AZ" };
        var deactivate = new Option<bool>("--inactive") { Description = "Retire the binding" };
        var set = new Command("set", "Activate or retire a pod binding.") { setId, activate, deactivate };
        set.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            if (parse.GetValue(activate) == parse.GetValue(deactivate))
            {
                throw new CliException("Give exactly one of --active and --inactive.");
            }

            var updated = await client.PutAsync($"bindings/{AdminCommand.Escape(parse.GetValue(setId)!)}", new { pod_binding = new { is_binding = parse.GetValue(activate) } }, ct);
            Output.Item(format, updated.GetProperty("pod_binding"), Fields);
        });

        var deleteIds = new Argument<string[]>("binding") { Description = "Binding ids", Arity = ArgumentArity.OneOrMore };
        var delete = new Command("delete", "Delete pod bindings.") { deleteIds };
        delete.SetAdminAction(cloud, async (parse, client, _, ct) =>
        {
            foreach (var id in parse.GetValue(deleteIds)!)
            {
                await client.DeleteAsync($"bindings/{AdminCommand.Escape(id)}", ct);
            }
        });

        binding.Subcommands.Add(create);
        binding.Subcommands.Add(list);
        binding.Subcommands.Add(show);
        binding.Subcommands.Add(set);
        binding.Subcommands.Add(delete);
        return binding;
    }
}
