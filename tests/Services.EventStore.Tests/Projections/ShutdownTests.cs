using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;

namespace Services.EventStore.Tests.Projections;

/// <summary>A shard stuck in a page does not hold a stop past the caller's patience: it is named, and stops in the background once its page ends.</summary>
public sealed class ShutdownTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task A_stop_given_up_on_answers_the_shards_still_in_a_page_which_stop_once_it_ends()
    {
        var stuck = new StuckProjection("stuck-in-a-page");
        var counting = new CountingProjection("counting-beside-stuck", "counting_beside_stuck");
        var daemon = new ProjectionDaemon(fixture.Store, [stuck, counting], Options("node-s"));
        await daemon.StartAsync();
        var head = await AppendManyAsync(fixture.Store, "stuck", 5);
        await stuck.Entered.WaitAsync(CatchUp);
        await WaitCaughtUpAsync(daemon, counting.Name, head.LastPosition);

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        var running = await daemon.StopAsync(patience.Token).WaitAsync(CatchUp);

        running.ShouldBe(["stuck-in-a-page"]);
        // Disposing (the node's end) does not wait for it again either.
        await daemon.DisposeAsync().AsTask().WaitAsync(CatchUp);
        daemon.OwnedShards.ShouldContain("stuck-in-a-page");
        stuck.Release();
        await Eventually.WaitUntilAsync(() => Task.FromResult(daemon.OwnedShards.Count == 0), "the stuck shard stops once its page ends", CatchUp);
    }

    [Fact]
    public async Task A_stop_in_time_answers_no_shard()
    {
        var counting = new CountingProjection("counting-stopped-in-time", "counting_stopped_in_time");
        await using var daemon = new ProjectionDaemon(fixture.Store, [counting], Options("node-t"));
        await daemon.StartAsync();
        var head = await AppendManyAsync(fixture.Store, "in-time", 5);
        await WaitCaughtUpAsync(daemon, counting.Name, head.LastPosition);

        using var patience = new CancellationTokenSource(CatchUp);
        (await daemon.StopAsync(patience.Token)).ShouldBeEmpty();
        daemon.OwnedShards.ShouldBeEmpty();
    }
}
