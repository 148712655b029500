using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;

namespace Services.EventStore.Tests.Projections;

public sealed class CatchUpTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task A_projection_catches_up_exactly_once_and_resumes_from_its_checkpoint_after_a_restart()
    {
        var first = await AppendManyAsync(fixture.Store, "before", 250);
        await using (var daemon = new ProjectionDaemon(fixture.Store, [new CountingProjection("counts", "counts", "first")], Options("node-1")))
        {
            await daemon.StartAsync();
            await WaitCaughtUpAsync(daemon, "counts", first.LastPosition);
            await ShouldBeExactlyOnceAsync(fixture.DataSource, "counts");
            var status = (await daemon.GetStatusAsync()).Single(s => s.Name == "counts");
            status.ShouldSatisfyAllConditions(
                () => status.Owner.ShouldBe("node-1"),
                () => status.Status.ShouldBe(ShardStatuses.Running),
                () => status.Position.ShouldBe(first.LastPosition),
                () => status.LagEvents.ShouldBe(0),
                () => status.LagAge.ShouldBe(TimeSpan.Zero),
                () => status.LeaseUntil.ShouldNotBeNull());
            daemon.OwnedShards.ShouldBe(["counts"]);
        }

        // Stopped: nobody owns the shard, and the lag shows the events appended meanwhile.
        var appliedByFirst = await Sql.CountAsync(fixture.DataSource, "select count(*) from es_events");
        var second = await AppendManyAsync(fixture.Store, "after", 130);
        await using (var observer = new ProjectionDaemon(fixture.Store, []))
        {
            var stopped = (await observer.GetStatusAsync()).Single(s => s.Name == "counts");
            stopped.Owner.ShouldBeNull();
            stopped.Status.ShouldBe(ShardStatuses.Idle);
            stopped.LagEvents.ShouldBe(130);
            stopped.LagAge.ShouldBeGreaterThan(TimeSpan.Zero);
        }

        await using (var daemon = new ProjectionDaemon(fixture.Store, [new CountingProjection("counts", "counts", "second")], Options("node-2")))
        {
            await daemon.StartAsync();
            await WaitCaughtUpAsync(daemon, "counts", second.LastPosition);
            await ShouldBeExactlyOnceAsync(fixture.DataSource, "counts");
            // It resumed from its checkpoint: the first run's applications were kept, not replayed.
            (await Sql.CountAsync(fixture.DataSource, "select count(*) from counts_applied where node = 'first'")).ShouldBe(appliedByFirst);
            (await Sql.CountAsync(fixture.DataSource, "select count(*) from counts_applied where node = 'second'")).ShouldBe(130);
        }
    }

    [Fact]
    public async Task A_node_that_takes_a_caught_up_shard_over_shows_it_running_before_any_new_event()
    {
        var appended = await AppendManyAsync(fixture.Store, "handover", 20);
        await using (var first = new ProjectionDaemon(fixture.Store, [new CountingProjection("handed", "handed")], Options("node-h1")))
        {
            await first.StartAsync();
            await WaitCaughtUpAsync(first, "handed", appended.LastPosition);
        }

        await using var second = new ProjectionDaemon(fixture.Store, [new CountingProjection("handed", "handed")], Options("node-h2"));
        await second.StartAsync();
        await Eventually.WaitUntilAsync(() => Task.FromResult(second.OwnedShards.Count == 1), "the second node runs the shard", TimeSpan.FromSeconds(10));
        var status = (await second.GetStatusAsync()).Single(s => s.Name == "handed");
        status.Owner.ShouldBe("node-h2");
        status.Status.ShouldBe(ShardStatuses.Running, "a shard a node runs is not idle, even when no event came since");
    }

    [Fact]
    public async Task WaitForPosition_returns_once_the_position_is_reached_and_times_out_otherwise()
    {
        await using var daemon = new ProjectionDaemon(fixture.Store, [new CountingProjection("waits", "waits")], Options("node-w"));
        await daemon.StartAsync();
        var appended = await fixture.Store.AppendAsync($"wait-{Guid.NewGuid():N}", "thing", ExpectedVersion.NoStream, [new TestEvents.Happened("x")]);
        (await daemon.WaitForPositionAsync("waits", appended.LastPosition, TimeSpan.FromSeconds(10))).ShouldBeTrue();
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from waits_applied where event_id = (select event_id from es_events where global_position = $1)", appended.LastPosition.GlobalPosition)).ShouldBe(1);

        var beyond = new FeedPosition(appended.LastPosition.TransactionId + 1_000_000, 0);
        var started = System.Diagnostics.Stopwatch.StartNew();
        (await daemon.WaitForPositionAsync("waits", beyond, TimeSpan.FromMilliseconds(300))).ShouldBeFalse();
        started.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(290));
        started.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(3));
        // An unknown shard never gets anywhere.
        (await daemon.WaitForPositionAsync("nobody", appended.LastPosition, TimeSpan.FromMilliseconds(100))).ShouldBeFalse();
    }
}
