using System.Text;
using System.Text.Json.Nodes;

namespace Tricircle.Pods;

/// <summary>
/// A merged list reads each pod's page into light items (id, sort values, the item's bytes) and
/// picks the page with a bounded heap: both must give exactly what reading every item into a
/// tree and sorting them all gave.
/// </summary>
public sealed class ListItemsTests
{
    private static readonly Pod RegionOne = new() { PodId = "p1", RegionName = "RegionOne", AzName = "az1" };

    [Fact]
    public void Read_TakesTheCollectionsObjects_WithTheirIdsSortValuesAndOwnBytes()
    {
        var page = """
            {"servers_links": [{"rel": "next"}], "servers": [
              {"id": "a", "created": "2026-01-02T00:00:00Z", "nested": {"id": "not this"}, "size": 3},
              42,
              {"size": 1.5e1, "id": "b", "created": null, "links": [{"href": "http://pod/v2.1/servers/b"}]},
              {"id": "c"}
            ], "count": 3}
            """;
        var items = ListItems.Read(Encoding.UTF8.GetBytes(page), "servers", ["created", "size"], rank: 3, firstPosition: 10, RegionOne);

        Assert.Equal(["a", "b", "c"], items.Select(i => i.Id));
        Assert.Equal([10, 11, 12], items.Select(i => i.Position));
        Assert.All(items, i => Assert.Equal(3, i.Rank));
        Assert.All(items, i => Assert.Same(RegionOne, i.Pod));
        Assert.Equal(new SortValue(true, false, 0, "2026-01-02T00:00:00Z"), items[0].Keys[0]);
        Assert.Equal(new SortValue(true, true, 3, "3"), items[0].Keys[1]);
        Assert.Equal(SortValue.Missing, items[1].Keys[0]); // JSON null sorts as missing, as a tree's null does
        Assert.Equal(new SortValue(true, true, 15, "1.5e1"), items[1].Keys[1]);
        Assert.Equal([SortValue.Missing, SortValue.Missing], items[2].Keys);

        // Each item's bytes are the item itself, whole.
        var b = JsonNode.Parse(items[1].Raw.Span)!;
        Assert.Equal("b", b["id"]!.ToString());
        Assert.Equal("http://pod/v2.1/servers/b", b["links"]![0]!["href"]!.ToString());
        Assert.Null(items[1].Node);
    }

    [Theory]
    [InlineData("""{"other": 1}""")]
    [InlineData("""{"servers": {"id": "an object, not an array"}}""")]
    [InlineData("")]
    public void Read_WithoutTheCollectionsArray_IsEmpty(string page) =>
        Assert.Empty(ListItems.Read(Encoding.UTF8.GetBytes(page), "servers", ["created"], 0, 0, RegionOne));

    [Theory]
    [InlineData("""[{"id": "a"}]""")]
    [InlineData("""{"servers": [{"id": "a"}""")]
    public void Read_OfWhatIsNotAPage_Throws(string page) =>
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => ListItems.Read(Encoding.UTF8.GetBytes(page), "servers", ["created"], 0, 0, RegionOne));

    [Fact]
    public void Read_SortValuesAreThoseOfTheItemsTree_WhateverTheirKind()
    {
        // Every kind of value a field may hold, read light and read from a tree, compare alike.
        string[] values = ["null", "true", "false", "0", "-1", "2.5", "1e3", "\"\"", "\"a\"", "\"B\"", "\"10\"", "\"\\u00e9\"", "[1, 2]", "{\"k\": \"v\"}", "{}"];
        var page = "{\"servers\": [" + string.Join(", ", values.Select((v, i) => $"{{\"id\": \"{i}\", \"f\": {v}}}")) + ", {\"id\": \"absent\"}]}";
        var light = ListItems.Read(Encoding.UTF8.GetBytes(page), "servers", ["f"], 0, 0, RegionOne);
        var trees = light.Select(i => ListItem.FromNode((JsonObject)JsonNode.Parse(i.Raw.Span)!, ["f"], 0, i.Position, RegionOne)).ToList();

        for (var x = 0; x < light.Count; x++)
        {
            for (var y = 0; y < light.Count; y++)
            {
                Assert.Equal(
                    Math.Sign(SortValue.Compare(trees[x].Keys[0], trees[y].Keys[0])),
                    Math.Sign(SortValue.Compare(light[x].Keys[0], light[y].Keys[0])));
            }
        }
    }

    [Fact]
    public void Read_ASortValueThatIsAPodUrl_IsReadAsTheGatewaysUrl()
    {
        var page = """{"images": [{"id": "i", "self": "http://pod:9292/v2/images/i", "file": "http://pod:9292x"}]}""";
        var item = ListItems.Read(Encoding.UTF8.GetBytes(page), "images", ["self", "file"], 0, 0, RegionOne, "http://pod:9292", "http://gw:9292").Single();

        Assert.Equal("http://gw:9292/v2/images/i", item.Keys[0].Text);
        Assert.Equal("http://pod:9292x", item.Keys[1].Text);
        Assert.Equal("http://pod:9292", item.PodBase);
        Assert.Equal("http://gw:9292", item.OwnBase);
    }

    [Fact]
    public void Order_SortsByTheKeysThenByPodAndPlace_MissingValuesFirst()
    {
        var order = new ListItems.Order([true, false]); // created desc, name asc
        ListItem Item(string id, string? created, string? name, int rank, int position) =>
            new(id, [created is null ? SortValue.Missing : new(true, false, 0, created), name is null ? SortValue.Missing : new(true, false, 0, name)], rank, position, null);

        var items = new[]
        {
            Item("old", "2026-01-01", "x", 0, 0),
            Item("new", "2026-01-03", "x", 1, 5),
            Item("tie-pod1-late", "2026-01-02", "x", 1, 7),
            Item("tie-pod0", "2026-01-02", "x", 0, 9),
            Item("tie-pod1-early", "2026-01-02", "x", 1, 2),
            Item("tie-by-name", "2026-01-02", "a", 2, 0),
            Item("no-name", "2026-01-02", null, 2, 1),
            Item("no-date", null, "a", 0, 1),
        };

        Assert.Equal(
            ["new", "no-name", "tie-by-name", "tie-pod0", "tie-pod1-early", "tie-pod1-late", "old", "no-date"],
            items.Order(order).Select(i => i.Id));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(51)]
    [InlineData(500)]
    [InlineData(600)]
    public void Smallest_IsWhatSortingAllAndTakingTheHeadGives(int count)
    {
        // 50 pods' pages, each in its own order but with values clashing across pods: ties, numbers, missing values.
        var random = new Random(16);
        var items = new List<ListItem>();
        for (var pod = 0; pod < 50; pod++)
        {
            for (var position = 0; position < 10; position++)
            {
                var created = random.Next(6) == 0 ? SortValue.Missing : new SortValue(true, false, 0, $"2026-01-{random.Next(1, 9):00}");
                var size = new SortValue(true, true, random.Next(3), "n");
                items.Add(new ListItem($"{pod}-{position}", [created, size], pod, position, null));
            }
        }

        var order = new ListItems.Order([true, false]);
        var shuffled = items.OrderBy(_ => random.Next()).ToList();

        Assert.Equal(
            items.Order(order).Take(count).Select(i => i.Id),
            ListItems.Smallest(shuffled, count, order).Select(i => i.Id));
    }
}
