using System.CommandLine;

namespace Tricircle.Cli;

/// <summary><c>tricircle pod create|list|show|set|delete</c>.</summary>
internal static class PodCommands
{
    private static readonly Column[] ListColumns =
        [new("ID", "pod_id"), new("Region Name", "region_name"), new("AZ", "az_name"), new("Pod AZ", "pod_az_name"), new("DC", "dc_name"), new("Disabled", "disabled"), new("Disabled Reason", "disabled_reason")];

    private static readonly Column[] Fields =
        [new("pod_id", "pod_id"), new("region_name", "region_name"), new("az_name", "az_name"), new("pod_az_name", "pod_az_name"), new("dc_name", "dc_name"), new("disabled", "disabled"), new("disabled_reason", "disabled_reason"), new("created_at", "created_at"), new("updated_at", "updated_at")];

    public static Command Create(CloudOptions cloud)
    {
        var pod = AdminCommand.Group("pod", "Pods: the OpenStack regions behind Tricircle.", cloud);

        var region = new Argument<string>("region-name") { Description = "The pod's Keystone region" };
        var az = new Option<string?>("--az-name") { Description = "Availability zone the pod serves; omit for the central pod" };
        var podAz = new Option<string?>("--pod-az-name") { Description = "The AZ name inside the pod, used when forwarding" };
        var dc = new Option<string?>("--dc-name") { Description = "Data centre (informational)" };
        var createDisable = new Option<bool>("--disable") { Description = "Register the pod disabled: it takes no new resources" };
        var createReason = new Option<string?>("--reason") { Description = "Why the pod is disabled (with --disable)" };
        var create = new Command("create", "Register a pod.") { region, az, podAz, dc, createDisable, createReason };
        create.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var body = new Dictionary<string, object> { ["region_name"] = parse.GetValue(region)! };
            AddIfSet(body, "az_name", parse.GetValue(az));
            AddIfSet(body, "pod_az_name", parse.GetValue(podAz));
            AddIfSet(body, "dc_name", parse.GetValue(dc));
            AddDisabled(body, parse.GetValue(createDisable), false, parse.GetValue(createReason));
            var created = await client.PostAsync("pods", new { pod = body }, ct);
            Output.Item(format, created.GetProperty("pod"), Fields);
        });

        var filterAz = new Option<string?>("--az-name") { Description = "Only pods of this AZ" };
        var list = new Command("list", "List pods.") { filterAz };
        list.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var query = parse.GetValue(filterAz) is { } a ? "?az_name=" + AdminCommand.Escape(a) : "";
            var pods = await client.GetAsync("pods" + query, ct);
            Output.List(format, pods.GetProperty("pods").EnumerateArray().ToList(), ListColumns);
        });

        var showRef = new Argument<string>("pod") { Description = "Pod id or region name" };
        var show = new Command("show", "Show a pod.") { showRef };
        show.SetAdminAction(cloud, async (parse, client, format, ct) =>
            Output.Item(format, await AdminCommand.FindPodAsync(client, parse.GetValue(showRef)!, ct), Fields));

        var setRef = new Argument<string>("pod") { Description = "Pod id or region name" };
        var setAz = new Option<string?>("--az-name") { Description = "New availability zone" };
        var setPodAz = new Option<string?>("--pod-az-name") { Description = "New AZ name inside the pod" };
        var setDc = new Option<string?>("--dc-name") { Description = "New data centre" };
        var disable = new Option<bool>("--disable") { Description = "Disable the pod: no new resources go there (what it holds stays reachable)" };
        var enable = new Option<bool>("--enable") { Description = "Enable the pod again (forgets the reason)" };
        var reason = new Option<string?>("--reason") { Description = "Why the pod is disabled (with --disable)" };
        var set = new Command("set", "Change a pod's AZ, AZ inside the pod, data centre, or disable/enable it.") { setRef, setAz, setPodAz, setDc, disable, enable, reason };
        set.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var body = new Dictionary<string, object>();
            AddIfSet(body, "az_name", parse.GetValue(setAz));
            AddIfSet(body, "pod_az_name", parse.GetValue(setPodAz));
            AddIfSet(body, "dc_name", parse.GetValue(setDc));
            AddDisabled(body, parse.GetValue(disable), parse.GetValue(enable), parse.GetValue(reason));
            var id = await AdminCommand.PodIdAsync(client, parse.GetValue(setRef)!, ct);
            var updated = await client.PutAsync($"pods/{id}", new { pod = body }, ct);
            Output.Item(format, updated.GetProperty("pod"), Fields);
        });

        var deleteRefs = new Argument<string[]>("pod") { Description = "Pod ids or region names", Arity = ArgumentArity.OneOrMore };
        var delete = new Command("delete", "Delete pods that nothing refers to.") { deleteRefs };
        delete.SetAdminAction(cloud, async (parse, client, _, ct) =>
        {
            foreach (var reference in parse.GetValue(deleteRefs)!)
            {
                var id = await AdminCommand.PodIdAsync(client, reference, ct);
                await client.DeleteAsync($"pods/{id}", ct);
            }
        });

        pod.Subcommands.Add(create);
        pod.Subcommands.Add(list);
        pod.Subcommands.Add(show);
        pod.Subcommands.Add(set);
        pod.Subcommands.Add(delete);
        return pod;
    }

    /// <summary>--disable [--reason] or --enable, as the API's disabled and disabled_reason.</summary>
    private static void AddDisabled(Dictionary<string, object> body, bool disable, bool enable, string? reason)
    {
        if (disable && enable)
        {
            throw new CliException("Give one of --disable and --enable, not both.");
        }

        if (reason is not null && !disable)
        {
            throw new CliException("--reason goes with --disable.");
        }

        if (disable || enable)
        {
            body["disabled"] = disable;
        }

        AddIfSet(body, "disabled_reason", reason);
    }

    private static void AddIfSet(Dictionary<string, object> body, string key, string? value)
    {
        if (value is not null)
        {
            body[key] = value;
        }
    }
}
