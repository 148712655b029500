using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;

namespace Services.EventStore.Tests.Projections;

public sealed class SharedFeedTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task Shards_at_the_head_are_fed_by_one_read_and_each_sees_every_event_once_in_feed_order()
    {
        var first = new RecordingProjection("shared-first");
        var second = new RecordingProjection("shared-second");
        // The class's database holds the other test's events when it ran first.
        var earlier = (await Feed.ReadAvailableAsync(fixture.Store, FeedPosition.Start)).Count;
        await AppendManyAsync(fixture.Store, "history", 230);
        await using var daemon = new ProjectionDaemon(fixture.Store, [first, second], Options("node-shared"));
        await daemon.StartAsync();
        var marker = (await AppendManyAsync(fixture.Store, "marker", 1)).LastPosition;
        await WaitCaughtUpAsync(daemon, first.Name, marker);
        await WaitCaughtUpAsync(daemon, second.Name, marker);
        await Eventually.WaitUntilAsync(() => Task.FromResult(daemon.Feed.TryTake(marker, 1) is not null), "the node's reader is past the marker");

        // Concurrent writers: transactions commit in another order than their positions were taken.
        var writers = await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(() => AppendManyAsync(fixture.Store, $"shared-{w}", 200, perAppend: 2))));
        var last = writers.Max(w => w.LastPosition);
        await WaitCaughtUpAsync(daemon, first.Name, last);
        await WaitCaughtUpAsync(daemon, second.Name, last);

        var feed = (await Feed.ReadAvailableAsync(fixture.Store, FeedPosition.Start)).Select(e => e.EventId).ToList();
        feed.Count.ShouldBe(earlier + 1031);
        first.Seen.Select(e => e.EventId).ShouldBe(feed, "the first shard saw the feed once, in order");
        second.Seen.Select(e => e.EventId).ShouldBe(feed, "the second shard saw the feed once, in order");
        // At the head both were handed the very same events: one read and one decoding for both.
        var firstShared = first.Seen.Where(e => e.Position > marker).ToList();
        var secondShared = second.Seen.Where(e => e.Position > marker).ToList();
        firstShared.Count.ShouldBe(800);
        firstShared.Zip(secondShared).Count(pair => ReferenceEquals(pair.First, pair.Second)).ShouldBe(800, "events decoded once for both shards");
    }

    [Fact]
    public async Task A_stuck_shard_does_not_stall_the_others_and_catches_up_on_its_own_once_released()
    {
        var steady = new RecordingProjection("steady");
        var stuck = new RecordingProjection("stuck");
        await using var daemon = new ProjectionDaemon(fixture.Store, [steady, stuck], Options("node-stuck"));
        await daemon.StartAsync();
        var marker = (await AppendManyAsync(fixture.Store, "before-stuck", 10)).LastPosition;
        await WaitCaughtUpAsync(daemon, stuck.Name, marker);

        stuck.Hold();
        // More than the shared reader keeps: the stuck shard falls behind it and must read on its own.
        var last = (await AppendManyAsync(fixture.Store, "while-stuck", 2_500, perAppend: 10)).LastPosition;
        await WaitCaughtUpAsync(daemon, steady.Name, last);
        (await daemon.GetStatusAsync()).Single(s => s.Name == stuck.Name).Position.ShouldBeLessThan(last);

        stuck.Release();
        await WaitCaughtUpAsync(daemon, stuck.Name, last);
        var feed = (await Feed.ReadAvailableAsync(fixture.Store, FeedPosition.Start)).Select(e => e.EventId).ToList();
        steady.Seen.Select(e => e.EventId).ShouldBe(feed);
        stuck.Seen.Select(e => e.EventId).ShouldBe(feed);
    }
}
