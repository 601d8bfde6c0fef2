using System.CommandLine;

namespace Tricircle.Cli;

/// <summary><c>tricircle pod create|list|show|set|delete</c>.</summary>
internal static class PodCommands
{
    private static readonly Column[] ListColumns =
        [new("ID", "pod_id"), new("Region Name", "region_name"), new("AZ", "az_name"), new("Pod AZ", "pod_az_name"), new("DC", "dc_name")];

    private static readonly Column[] Fields =
        [new("pod_id", "pod_id"), new("region_name", "region_name"), new("az_name", "az_name"), new("pod_az_name", "pod_az_name"), new("dc_name", "dc_name"), new("created_at", "created_at"), new("updated_at", "updated_at")];

    public static Command Create(CloudOptions cloud)
    {
        var pod = AdminCommand.Group("pod", "Pods: the OpenStack regions behind Tricircle.", cloud);

        var region = new Argument<string>("region-name") { Description = "The pod's Keystone region" };
        var az = new Option<string?>("--az-name") { Description = "Availability zone the pod serves; omit for the central pod" };
        var podAz = new Option<string?>("--pod-az-name") { Description = "The AZ name inside the pod, used when forwarding" };
        var dc = new Option<string?>("--dc-name") { Description = "Data centre (informational)" };
        var create = new Command("create", "Register a pod.") { region, az, podAz, dc };
        create.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var body = new Dictionary<string, string> { ["region_name"] = parse.GetValue(region)! };
            AddIfSet(body, "az_name", parse.GetValue(az));
            AddIfSet(body, "pod_az_name", parse.GetValue(podAz));
            AddIfSet(body, "dc_name", parse.GetValue(dc));
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
        var set = new Command("set", "Change a pod's AZ, AZ inside the pod, or data centre.") { setRef, setAz, setPodAz, setDc };
        set.SetAdminAction(cloud, async (parse, client, format, ct) =>
        {
            var id = await AdminCommand.PodIdAsync(client, parse.GetValue(setRef)!, ct);
            var body = new Dictionary<string, string>();
            AddIfSet(body, "az_name", parse.GetValue(setAz));
            AddIfSet(body, "pod_az_name", parse.GetValue(setPodAz));
            AddIfSet(body, "dc_name", parse.GetValue(setDc));
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

    private static void AddIfSet(Dictionary<string, string> body, string key, string? value)
    {
        if (value is not null)
        {
            body[key] = value;
        }
    }
}
