using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;

namespace Services.EventStore.Tests.Projections;

public sealed class PageGatheringTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task Under_a_steady_stream_of_small_commits_a_shard_at_the_head_gathers_them_into_few_pages()
    {
        var projection = new RecordingProjection("gathering");
        await using var daemon = new ProjectionDaemon(fixture.Store, [projection], Options("node-gathering", pageTarget: 100, maxPageInterval: TimeSpan.FromSeconds(3)));
        var marker = await AtTheHeadAsync(daemon, projection, "gathering-marker");
        var pagesBefore = projection.Pages;

        // Twenty commits of one event each, spread over more than the 10 ms between two reads of
        // the node's feed reader: without gathering, a page each.
        var last = FeedPosition.Start;
        for (var i = 0; i < 20; i++)
        {
            last = (await AppendManyAsync(fixture.Store, "steady", 1)).LastPosition;
            await Task.Delay(15);
        }
        await WaitCaughtUpAsync(daemon, projection.Name, last);

        (projection.Pages - pagesBefore).ShouldBeLessThanOrEqualTo(2, "the commits of the gathering window go in one page (two if they straddle it)");
        var feed = (await Feed.ReadAvailableAsync(fixture.Store, marker)).Select(e => e.EventId).ToList();
        feed.Count.ShouldBe(20);
        projection.Seen.Where(e => e.Position > marker).Select(e => e.EventId).ShouldBe(feed, "every event once, in feed order");
    }

    [Fact]
    public async Task A_commit_on_a_quiet_feed_is_applied_at_once_without_waiting_for_others()
    {
        var projection = new RecordingProjection("quiet");
        await using (var first = new ProjectionDaemon(fixture.Store, [projection], Options("node-quiet-1")))
        {
            await AtTheHeadAsync(first, projection, "quiet-history");
        }

        // Back at its checkpoint, at the head: the shard has nothing to apply, only looks that find
        // nothing (every 200 ms). A window this long would hold the lone commit past the wait below.
        await using var daemon = new ProjectionDaemon(fixture.Store, [projection], Options("node-quiet-2", pageTarget: 100, maxPageInterval: TimeSpan.FromSeconds(60)));
        await daemon.StartAsync();
        var head = await fixture.Store.ReadHeadAsync();
        await Eventually.WaitUntilAsync(() => Task.FromResult(daemon.OwnedShards.Contains(projection.Name) && FollowsFrom(daemon, head)),
            "the second node owns the shard and its reader follows the head");
        var lone = (await AppendManyAsync(fixture.Store, "lone", 1)).LastPosition;

        (await daemon.WaitForPositionAsync(projection.Name, lone, TimeSpan.FromSeconds(10)))
            .ShouldBeTrue("a lone commit on a quiet feed does not wait for a page's worth of events");
    }

    [Fact]
    public async Task A_page_starts_as_soon_as_its_target_of_events_is_waiting()
    {
        var projection = new RecordingProjection("target");
        await using var daemon = new ProjectionDaemon(fixture.Store, [projection], Options("node-target", pageTarget: 10, maxPageInterval: TimeSpan.FromSeconds(60)));
        await AtTheHeadAsync(daemon, projection, "target-marker");

        // Right after a page, in a window this long: only reaching the target lets the next one start.
        var batch = (await AppendManyAsync(fixture.Store, "batch", 10, perAppend: 10)).LastPosition;

        (await daemon.WaitForPositionAsync(projection.Name, batch, TimeSpan.FromSeconds(10)))
            .ShouldBeTrue("ten events waiting start the page without waiting out the window");
    }

    /// <summary>Starts the daemon and waits until its shard applies pages from the node's shared reader; returns the last position applied.</summary>
    private async Task<FeedPosition> AtTheHeadAsync(ProjectionDaemon daemon, RecordingProjection projection, string prefix)
    {
        await daemon.StartAsync();
        var marker = (await AppendManyAsync(fixture.Store, prefix, 1)).LastPosition;
        await WaitCaughtUpAsync(daemon, projection.Name, marker);
        await Eventually.WaitUntilAsync(() => Task.FromResult(FollowsFrom(daemon, marker)), "the node's reader is past the marker");
        return marker;
    }

    /// <summary>Whether the node's shared reader holds every event after <paramref name="position"/> (shards there take their pages from it).</summary>
    private static bool FollowsFrom(ProjectionDaemon daemon, FeedPosition position) => daemon.Feed.TryTake(position, 0) is not null;
}
