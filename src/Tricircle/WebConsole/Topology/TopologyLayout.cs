using System.Globalization;

namespace Tricircle.WebConsole.Topology;

/// <summary>A pod's column: its header and the space below it where its servers and volumes go.</summary>
internal sealed record ColumnBox(TopologyPod Pod, double X, double Width);

/// <summary>One horizontal piece of a network's band, over a run of adjacent columns that hold a copy.</summary>
internal sealed record BandSegment(double X, double Width);

/// <summary>A network's band: a row, its pieces over the columns of its pods, its label on the left.</summary>
internal sealed record BandBox(TopologyNetwork Network, double Y, IReadOnlyList<BandSegment> Segments, string Color, string Label)
{
    public double CenterY => Y + (TopologyLayout.BandHeight / 2);
}

/// <summary>A line from a router's node to one of its networks' bands (an SVG path).</summary>
internal sealed record LinkLine(RouterLinkKind Kind, string NetworkId, string Path, string? Title);

/// <summary>A router's node over the first pod holding a copy, the places of its other copies (same row, their pods' columns), its links.</summary>
internal sealed record RouterBox(TopologyRouter Router, double X, double Y, IReadOnlyList<LinkLine> Links, IReadOnlyList<(string PodName, double X)> OtherCopies);

/// <summary>What a small box in a column stands for.</summary>
internal enum ItemKind
{
    Server,
    Volume,
    FloatingIp,

    /// <summary>A pod's servers shown as their number (too many to draw one by one).</summary>
    CollapsedServers,

    /// <summary>A pod's volumes shown as their number.</summary>
    CollapsedVolumes,
}

/// <summary>A small box in a pod's column; <see cref="Colors"/> are the colors of the bands of its networks.</summary>
internal sealed record ItemBox(ItemKind Kind, string Id, string PodName, double X, double Y, double Width, double Height, string Label, IReadOnlyList<string> Colors, string Title);

/// <summary>
/// Where everything of a <see cref="TopologyModel"/> goes in the picture, computed here rather than
/// in the component so that tests can check the geometry without a browser. Rows from the top: the
/// pods' headers, external networks, routers, bridge networks, tenant networks, then each pod's
/// servers (sorted by their first network, so they sit under it), volumes and unattached floating
/// IPs. A pod with more than <see cref="MaxItemsPerPod"/> servers (or volumes) shows their number
/// instead, unless the viewer expanded it.
/// </summary>
internal sealed class TopologyLayout
{
    public const double LabelWidth = 250;
    public const double ColumnWidth = 210;
    public const double ColumnGap = 14;
    public const double HeaderHeight = 54;
    public const double BandHeight = 20;
    public const double BandGap = 8;
    public const double RouterRadius = 13;
    public const double RouterSpacing = 44;
    public const double ItemHeight = 18;
    public const double ItemGap = 5;
    public const int MaxItemsPerPod = 12;

    public const string ExternalColor = "#e07b00";
    public const string BridgeColor = "#7b3fb5";

    private static readonly string[] Palette =
        ["#2f7ed8", "#2ca02c", "#d62728", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#1f3b99", "#0d8a6f"];

    private TopologyLayout()
    {
    }

    public IReadOnlyList<ColumnBox> Columns { get; private init; } = [];

    public IReadOnlyList<BandBox> Bands { get; private init; } = [];

    public IReadOnlyList<RouterBox> Routers { get; private init; } = [];

    public IReadOnlyList<ItemBox> Items { get; private init; } = [];

    public double Width { get; private init; }

    public double Height { get; private init; }

    public static double ColumnX(int index) => LabelWidth + (index * (ColumnWidth + ColumnGap));

    public static TopologyLayout Build(TopologyModel model, IReadOnlySet<string>? expandedPods = null)
    {
        expandedPods ??= new HashSet<string>();
        var columns = model.Pods.Select((pod, i) => new ColumnBox(pod, ColumnX(i), ColumnWidth)).ToList();
        var columnOf = model.Pods.Select((pod, i) => (pod.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var y = HeaderHeight + 12;

        // Bands: external, then (after the routers' row) bridges, then tenant networks.
        var bands = new List<BandBox>();
        var tenantColors = 0;
        BandBox Band(TopologyNetwork network, double at)
        {
            var color = network.Kind switch
            {
                NetworkKind.External => ExternalColor,
                NetworkKind.Bridge => BridgeColor,
                _ => Palette[tenantColors++ % Palette.Length],
            };
            var indexes = network.Copies.Select(c => columnOf.TryGetValue(c.PodId, out var i) ? i : -1).Where(i => i >= 0).Distinct().Order().ToList();
            return new BandBox(network, at, Runs(indexes), color, Label(network));
        }

        foreach (var network in model.Networks.Where(n => n.Kind == NetworkKind.External))
        {
            bands.Add(Band(network, y));
            y += BandHeight + BandGap;
        }

        // Routers sit over the first pod holding a copy (in the label area when none does), side
        // by side, in as many rows as the busiest spot needs.
        var routerY = y + RouterRadius + 10;
        var slots = new Dictionary<int, int>();
        var placed = new List<(TopologyRouter Router, double X, double Y)>();
        var rowsNeeded = 0;
        var perRow = (int)Math.Max(1, Math.Floor((ColumnWidth - 10) / RouterSpacing));
        foreach (var router in model.Routers)
        {
            var anchor = router.Copies.Select(c => columnOf.TryGetValue(c.PodId, out var i) ? i : int.MaxValue).DefaultIfEmpty(int.MaxValue).Min();
            var key = anchor == int.MaxValue ? -1 : anchor;
            var k = slots.GetValueOrDefault(key);
            slots[key] = k + 1;
            var left = key < 0 ? 16 : ColumnX(key);
            var row = k / perRow;
            rowsNeeded = Math.Max(rowsNeeded, row + 1);
            placed.Add((router, left + RouterRadius + 12 + ((k % perRow) * RouterSpacing), routerY + (row * ((RouterRadius * 2) + 18))));
        }

        y += rowsNeeded == 0 ? 0 : (rowsNeeded * ((RouterRadius * 2) + 18)) + 14;
        foreach (var network in model.Networks.Where(n => n.Kind == NetworkKind.Bridge))
        {
            bands.Add(Band(network, y));
            y += BandHeight + BandGap;
        }

        foreach (var network in model.Networks.Where(n => n.Kind == NetworkKind.Tenant))
        {
            bands.Add(Band(network, y));
            y += BandHeight + BandGap;
        }

        var bandOf = bands.ToDictionary(b => b.Network.Id, StringComparer.Ordinal);
        var routers = placed.Select(p =>
        {
            // Links leave the node side by side so that one to a lower band does not hide another.
            var links = p.Router.Links.Where(l => bandOf.ContainsKey(l.NetworkId)).ToList();
            var copies = p.Router.Copies.Where(c => columnOf.ContainsKey(c.PodId)).Select(c => columnOf[c.PodId]).Distinct().Order().ToList();
            var others = copies.Skip(1).Select(i => (model.Pods[i].Name, p.X - ColumnX(copies[0]) + ColumnX(i))).ToList();
            return new RouterBox(p.Router, p.X, p.Y, [.. links.Select((l, i) => Link(l, bandOf[l.NetworkId], p.X + ((i - ((links.Count - 1) / 2.0)) * 5), p.Y))], others);
        }).ToList();

        // Each pod's servers, volumes and unattached floating IPs, stacked under the bands.
        y += 10;
        var items = new List<ItemBox>();
        var bottom = y;
        var fipsOfServer = model.FloatingIps.Where(f => f.ServerId is not null).ToLookup(f => f.ServerId!, StringComparer.Ordinal);
        var bandIndex = bands.Select((b, i) => (b.Network.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        foreach (var column in columns)
        {
            var x = column.X + 8;
            var width = column.Width - 16;
            var at = y;
            var expanded = expandedPods.Contains(column.Pod.Name);
            var servers = model.Servers.Where(s => s.Copy.PodId == column.Pod.Id)
                .OrderBy(s => s.NetworkIds.Select(n => bandIndex.GetValueOrDefault(n, int.MaxValue)).DefaultIfEmpty(int.MaxValue).Min())
                .ThenBy(s => s.Name ?? s.Id, StringComparer.Ordinal).ToList();
            if (servers.Count > MaxItemsPerPod && !expanded)
            {
                items.Add(new ItemBox(ItemKind.CollapsedServers, column.Pod.Name, column.Pod.Name, x, at, width, ItemHeight,
                    Count(servers.Count, "server"), [], $"{Count(servers.Count, "server")} in {column.Pod.Name}: click to show each"));
                at += ItemHeight + ItemGap;
            }
            else
            {
                foreach (var server in servers)
                {
                    var colors = server.NetworkIds.Where(bandOf.ContainsKey).Select(n => bandOf[n].Color).Distinct().Take(3).ToList();
                    items.Add(new ItemBox(ItemKind.Server, server.Id, column.Pod.Name, x, at, width, ItemHeight, Fit(server.Name is { Length: > 0 } n ? n : Short(server.Id), 26), colors,
                        $"server {server.Name} {server.Id}"));
                    at += ItemHeight + ItemGap;
                    foreach (var fip in fipsOfServer[server.Id])
                    {
                        items.Add(new ItemBox(ItemKind.FloatingIp, fip.Id, column.Pod.Name, x + 18, at - ItemGap + 1, width - 18, ItemHeight - 4, "⇄ " + fip.Address, [ExternalColor],
                            $"floating IP {fip.Address} → {fip.FixedIpAddress}"));
                        at += ItemHeight - 4 + 2;
                    }
                }
            }

            var volumes = model.Volumes.Where(v => v.Copy.PodId == column.Pod.Id).OrderBy(v => v.Id, StringComparer.Ordinal).ToList();
            if (volumes.Count > MaxItemsPerPod && !expanded)
            {
                items.Add(new ItemBox(ItemKind.CollapsedVolumes, column.Pod.Name, column.Pod.Name, x, at, width, ItemHeight,
                    Count(volumes.Count, "volume"), [], $"{Count(volumes.Count, "volume")} in {column.Pod.Name}: click to show each"));
                at += ItemHeight + ItemGap;
            }
            else
            {
                foreach (var volume in volumes)
                {
                    items.Add(new ItemBox(ItemKind.Volume, volume.Id, column.Pod.Name, x, at, width, ItemHeight, "vol " + Short(volume.Id), [], $"volume {volume.Id}"));
                    at += ItemHeight + ItemGap;
                }
            }

            // A floating IP on no server of the picture sits in the pod of its external network.
            foreach (var fip in model.FloatingIps.Where(f => f.ServerId is null && bandOf.TryGetValue(f.NetworkId, out var band) && band.Network.Copies.Count > 0 && band.Network.Copies[0].PodId == column.Pod.Id))
            {
                items.Add(new ItemBox(ItemKind.FloatingIp, fip.Id, column.Pod.Name, x, at, width, ItemHeight - 2, "⇄ " + fip.Address + (fip.FixedIpAddress is null ? " (free)" : ""), [ExternalColor],
                    $"floating IP {fip.Address}"));
                at += ItemHeight + ItemGap;
            }

            bottom = Math.Max(bottom, at);
        }

        return new TopologyLayout
        {
            Columns = columns,
            Bands = bands,
            Routers = routers,
            Items = items,
            Width = ColumnX(Math.Max(columns.Count, 1)) + 10,
            Height = bottom + 16,
        };
    }

    /// <summary>The band pieces over runs of adjacent column indexes (sorted).</summary>
    private static List<BandSegment> Runs(List<int> indexes)
    {
        var segments = new List<BandSegment>();
        for (var i = 0; i < indexes.Count;)
        {
            var j = i;
            while (j + 1 < indexes.Count && indexes[j + 1] == indexes[j] + 1)
            {
                j++;
            }

            var x = ColumnX(indexes[i]) + 2;
            segments.Add(new BandSegment(x, ColumnX(indexes[j]) + ColumnWidth - 2 - x));
            i = j + 1;
        }

        return segments;
    }

    private static LinkLine Link(TopologyRouterLink link, BandBox band, double x, double y)
    {
        // Down (or up) to the band's row, then along it to its nearest piece when the router is not over one.
        var target = band.Segments.Count == 0
            ? Math.Min(x, LabelWidth - 10)
            : band.Segments.Select(s => Math.Clamp(x, s.X + 4, s.X + s.Width - 4)).MinBy(t => Math.Abs(t - x));
        var start = band.CenterY < y ? y - RouterRadius + 2 : y + RouterRadius - 2;
        var path = string.Create(CultureInfo.InvariantCulture, $"M {x:0.#} {start:0.#} V {band.CenterY:0.#} H {target:0.#}");
        var title = link.Kind switch
        {
            RouterLinkKind.Gateway => "external gateway",
            RouterLinkKind.Bridge => "bridge port",
            _ => "interface",
        } + (link.IpAddress is null ? "" : " " + link.IpAddress);
        return new LinkLine(link.Kind, link.NetworkId, path, title);
    }

    private static string Label(TopologyNetwork network)
    {
        var name = network.Kind == NetworkKind.Bridge ? "bridge " + Short(network.Id) : network.Name.Length > 0 ? network.Name : Short(network.Id);
        var cidrs = string.Join(", ", network.Subnets.Select(s => s.Cidr));
        return $"{name} · {network.Segment}" + (cidrs.Length > 0 ? " · " + cidrs : "");
    }

    public static string Fit(string text, int max) => text.Length <= max ? text : string.Concat(text.AsSpan(0, max - 1), "…");

    public static string Short(string id) => id.Length <= 8 ? id : id[..8];

    private static string Count(int n, string what) => n.ToString(CultureInfo.InvariantCulture) + " " + what + (n == 1 ? "" : "s");

    public static string Num(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
}
