namespace Services.Client.Tests;

public sealed class PaginationTests
{
    private sealed record Page(IReadOnlyList<int> Data, string? Next) : IPage<int>;

    [Fact]
    public async Task Follows_next_cursors_until_there_is_none()
    {
        var cursors = new List<string?>();
        var pages = new Dictionary<string, Page> { ["start"] = new([1, 2], "c1"), ["c1"] = new([3, 4], "c2"), ["c2"] = new([5], null) };

        var items = await Pagination.ListAllAsync<int>((after, _) =>
        {
            cursors.Add(after);
            return Task.FromResult<IPage<int>>(pages[after ?? "start"]);
        }).ToListAsync();

        items.ShouldBe([1, 2, 3, 4, 5]);
        cursors.ShouldBe([null, "c1", "c2"]);
    }

    [Fact]
    public async Task Pages_come_with_the_cursor_to_store_and_resuming_after_it_repeats_nothing()
    {
        var pages = new Dictionary<string, Page> { ["start"] = new([1, 2], "c1"), ["c1"] = new([3, 4], "c2"), ["c2"] = new([5], "c3"), ["c3"] = new([], "c3") };
        Task<IPage<int>> Fetch(string? after, CancellationToken _) => Task.FromResult<IPage<int>>(pages[after ?? "start"]);

        var firstTwo = await Pagination.ListPagesAsync<int>(Fetch).Take(2).ToListAsync();
        var stored = firstTwo[^1].Next;
        var resumed = await Pagination.ListAllAsync<int>(Fetch, stored).ToListAsync();

        firstTwo.SelectMany(page => page.Data).ShouldBe([1, 2, 3, 4]);
        stored.ShouldBe("c2");
        resumed.ShouldBe([5]);
    }

    [Fact]
    public async Task Stops_at_an_empty_page_even_with_a_cursor_as_a_feed_hands_back()
    {
        var calls = 0;
        var items = await Pagination.ListAllAsync<int>((after, _) =>
        {
            calls++;
            return Task.FromResult<IPage<int>>(after is null ? new Page([1], "c1") : new Page([], "c1"));
        }, after: null).ToListAsync();

        items.ShouldBe([1]);
        calls.ShouldBe(2);
    }

    [Fact]
    public async Task Follows_an_empty_page_that_moves_the_cursor_on_as_a_feed_filtered_by_types_hands_back()
    {
        var pages = new Dictionary<string, Page> { ["start"] = new([1], "c1"), ["c1"] = new([], "c2"), ["c2"] = new([2], "c3"), ["c3"] = new([], "c3") };

        var items = await Pagination.ListAllAsync<int>((after, _) => Task.FromResult<IPage<int>>(pages[after ?? "start"])).ToListAsync();

        items.ShouldBe([1, 2]);
    }

    [Fact]
    public async Task Starts_after_the_given_cursor()
    {
        string? first = null;
        await Pagination.ListAllAsync<int>((after, _) =>
        {
            first ??= after;
            return Task.FromResult<IPage<int>>(new Page([], null));
        }, after: "c9").ToListAsync();

        first.ShouldBe("c9");
    }
}
