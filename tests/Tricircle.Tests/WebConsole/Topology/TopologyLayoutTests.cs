namespace Tricircle.WebConsole.Topology;

/// <summary>Where the picture puts things, checked on the geometry the component draws from.</summary>
public sealed class TopologyLayoutTests
{
    private static readonly TopologyPod[] Pods = [.. Enumerable.Range(1, 3).Select(i => new TopologyPod("p" + i, "Region" + i, "az" + i, PodState.Up, null))];

    private static TopologyCopy Copy(int pod) => new("p" + pod, "Region" + pod, "bottom-" + pod);

    private static TopologyNetwork Network(string id, NetworkKind kind, params int[] pods) =>
        new(id, "proj", id, kind, false, "vxlan", null, 1000, [new TopologySubnet("s-" + id, "", "10.0.0.0/24")], [.. pods.Select(Copy)]);

    private static TopologyModel Model(TopologyNetwork[] networks, TopologyRouter[]? routers = null, TopologyServer[]? servers = null, TopologyFloatingIp[]? fips = null) =>
        new("proj", Pods, networks, routers ?? [], servers ?? [], [], fips ?? [], DateTimeOffset.UnixEpoch);

    [Fact]
    public void ABand_CoversExactlyTheColumnsOfItsPods_InOnePiecePerRunOfAdjacentPods()
    {
        var layout = TopologyLayout.Build(Model([Network("both-ends", NetworkKind.Tenant, 1, 3), Network("first-two", NetworkKind.Tenant, 1, 2), Network("nowhere", NetworkKind.Tenant)]));

        var columns = layout.Columns.ToDictionary(c => c.Pod.Name);
        var bothEnds = layout.Bands.Single(b => b.Network.Id == "both-ends");
        Assert.Equal(2, bothEnds.Segments.Count);
        Assert.True(Over(bothEnds.Segments[0], columns["Region1"]));
        Assert.True(Over(bothEnds.Segments[1], columns["Region3"]));
        Assert.DoesNotContain(bothEnds.Segments, s => Overlaps(s, columns["Region2"]));

        var firstTwo = Assert.Single(layout.Bands.Single(b => b.Network.Id == "first-two").Segments);
        Assert.True(firstTwo.X >= columns["Region1"].X && firstTwo.X + firstTwo.Width <= columns["Region2"].X + columns["Region2"].Width);
        Assert.True(Overlaps(firstTwo, columns["Region2"]));
        Assert.False(Overlaps(firstTwo, columns["Region3"]));

        Assert.Empty(layout.Bands.Single(b => b.Network.Id == "nowhere").Segments);
        Assert.Equal(layout.Bands.Count, layout.Bands.Select(b => b.Y).Distinct().Count()); // one row each
    }

    [Fact]
    public void ExternalBandsComeFirst_ThenRouters_ThenBridges_ThenTenantNetworks_AndLinksReachTheirBands()
    {
        var router = new TopologyRouter("r", "proj", "r", "ACTIVE",
            [new TopologyRouterLink(RouterLinkKind.Gateway, "ext", null, "172.24.4.5", "gp"), new TopologyRouterLink(RouterLinkKind.Bridge, "bridge", null, "100.0.0.3", "bp"),
             new TopologyRouterLink(RouterLinkKind.Interface, "t", "s-t", "10.0.0.1", "ip")],
            [Copy(2), Copy(3)]);
        var layout = TopologyLayout.Build(Model([Network("t", NetworkKind.Tenant, 2, 3), Network("bridge", NetworkKind.Bridge, 2, 3), Network("ext", NetworkKind.External, 1)], [router]));

        var y = layout.Bands.ToDictionary(b => b.Network.Id, b => b.Y);
        var node = Assert.Single(layout.Routers);
        Assert.True(y["ext"] < node.Y && node.Y < y["bridge"] && y["bridge"] < y["t"]);
        Assert.True(node.X > layout.Columns[1].X && node.X < layout.Columns[1].X + layout.Columns[1].Width); // over its first pod
        Assert.Equal([RouterLinkKind.Gateway, RouterLinkKind.Bridge, RouterLinkKind.Interface], node.Links.Select(l => l.Kind));
        var (copyPod, copyX) = Assert.Single(node.OtherCopies); // its copy in Region3, drawn in that column
        Assert.Equal("Region3", copyPod);
        Assert.True(copyX > layout.Columns[2].X && copyX < layout.Columns[2].X + layout.Columns[2].Width);
        var toExternal = node.Links[0].Path;
        var external = Assert.Single(layout.Bands.Single(b => b.Network.Id == "ext").Segments);
        Assert.EndsWith("H " + TopologyLayout.Num(external.X + external.Width - 4), toExternal); // along to the one pod holding it (left of the router)
        Assert.Equal(TopologyLayout.ExternalColor, layout.Bands.Single(b => b.Network.Id == "ext").Color);
        Assert.Equal(TopologyLayout.BridgeColor, layout.Bands.Single(b => b.Network.Id == "bridge").Color);
    }

    [Fact]
    public void ServersSitInTheirPodsColumn_WithTheirFloatingIp_AndManyCollapseIntoACountUnlessExpanded()
    {
        var network = Network("t", NetworkKind.Tenant, 1, 2);
        var servers = Enumerable.Range(0, TopologyLayout.MaxItemsPerPod + 1).Select(i => new TopologyServer("s" + i, "proj", "vm" + i, Copy(1), ["t"]))
            .Append(new TopologyServer("lone", "proj", "lone", Copy(2), ["t"])).ToArray();
        var fip = new TopologyFloatingIp("f", "proj", "172.24.4.9", "ext", "port", "10.0.0.5", "lone", "r", "ACTIVE", []);
        var model = Model([network], servers: servers, fips: [fip]);

        var collapsed = TopologyLayout.Build(model);
        var count = Assert.Single(collapsed.Items, i => i.Kind == ItemKind.CollapsedServers);
        Assert.Equal(("Region1", "13 servers"), (count.PodName, count.Label));
        var lone = Assert.Single(collapsed.Items, i => i.Kind == ItemKind.Server);
        Assert.Equal("lone", lone.Id);
        var column2 = collapsed.Columns[1];
        Assert.True(lone.X >= column2.X && lone.X + lone.Width <= column2.X + column2.Width);
        Assert.True(lone.Y > collapsed.Bands.Max(b => b.Y)); // under the bands
        Assert.Equal(collapsed.Bands[0].Color, Assert.Single(lone.Colors));
        var tag = Assert.Single(collapsed.Items, i => i.Kind == ItemKind.FloatingIp);
        Assert.Equal("Region2", tag.PodName);
        Assert.True(tag.Y > lone.Y && tag.Y < lone.Y + TopologyLayout.ItemHeight + TopologyLayout.ItemGap + 1); // right under its server
        Assert.Contains("172.24.4.9", tag.Label);

        var expanded = TopologyLayout.Build(model, new HashSet<string> { "Region1" });
        Assert.Equal(servers.Length, expanded.Items.Count(i => i.Kind == ItemKind.Server));
        Assert.True(expanded.Height > collapsed.Height);
    }

    [Fact]
    public void TenPods_AndHundredsOfResources_StayOneColumnWidthEach_AndBounded()
    {
        var pods = Enumerable.Range(1, 10).Select(i => new TopologyPod("p" + i, "Region" + i, "az" + i, PodState.Up, null)).ToArray();
        var networks = Enumerable.Range(0, 40).Select(i => new TopologyNetwork("n" + i, "proj", "n" + i, NetworkKind.Tenant, false, "vxlan", null, 1000 + i, [],
            [.. Enumerable.Range(1 + (i % 10), 1 + (i % 3)).Where(p => p <= 10).Select(p => new TopologyCopy("p" + p, "Region" + p, "b"))])).ToArray();
        var servers = Enumerable.Range(0, 300).Select(i => new TopologyServer("s" + i, "proj", "vm" + i, new TopologyCopy("p" + (1 + (i % 10)), "Region" + (1 + (i % 10)), "s" + i), ["n" + (i % 40)])).ToArray();

        var layout = TopologyLayout.Build(new TopologyModel(null, pods, networks, [], servers, [], [], DateTimeOffset.UnixEpoch));

        Assert.Equal(10, layout.Columns.Count);
        Assert.Equal(TopologyLayout.ColumnX(10) + 10, layout.Width);
        Assert.Equal(10, layout.Items.Count(i => i.Kind == ItemKind.CollapsedServers)); // 30 a pod: counted, not drawn
        Assert.True(layout.Height < 2000, $"height {layout.Height}");
    }

    private static bool Over(BandSegment segment, ColumnBox column) =>
        segment.X >= column.X && segment.X + segment.Width <= column.X + column.Width && segment.Width > column.Width * 0.9;

    private static bool Overlaps(BandSegment segment, ColumnBox column) =>
        segment.X < column.X + column.Width && column.X < segment.X + segment.Width;
}
