using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;
using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests.Projections;

public sealed class RebuildTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task A_rebuilt_read_model_equals_the_live_one_row_for_row()
    {
        await AppendManyAsync(fixture.Store, "early", 300, perAppend: 3);
        await using var daemon = new ProjectionDaemon(fixture.Store,
            [new CountingProjection("live", "live"), new CountingProjection("rebuilt", "rebuilt")], Options("node-r"));
        await daemon.StartAsync();
        var head = await AppendManyAsync(fixture.Store, "middle", 100);
        await WaitCaughtUpAsync(daemon, "rebuilt", head.LastPosition);

        // Appends keep coming while the rebuild runs.
        using var stop = new CancellationTokenSource();
        var appending = Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested) await AppendManyAsync(fixture.Store, $"during-{n++ % 3}", 10);
        });
        // A row no event produces: only the rebuild's reset can remove it, however fast the catch-up.
        await Sql.CountAsync(fixture.DataSource, "with marker as (insert into rebuilt_applied (event_id, node) values ('00000000-0000-0000-0000-000000000001', 'marker') returning 1) select count(*) from marker");
        await daemon.RebuildAsync("rebuilt");
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from rebuilt_applied where node = 'marker'")).ShouldBe(0, "the rebuild started over");
        await Eventually.WaitUntilAsync(async () => (await daemon.GetStatusAsync()).Single(s => s.Name == "rebuilt").Status == ShardStatuses.Running,
            "the rebuild caught up", CatchUp);
        await stop.CancelAsync();
        await appending;

        var end = await AppendManyAsync(fixture.Store, "late", 20);
        await WaitCaughtUpAsync(daemon, "live", end.LastPosition);
        await WaitCaughtUpAsync(daemon, "rebuilt", end.LastPosition);
        var live = await RowsAsync(fixture.DataSource, "live");
        live.Count.ShouldBeGreaterThan(10);
        (await RowsAsync(fixture.DataSource, "rebuilt")).ShouldBe(live);
        await ShouldBeExactlyOnceAsync(fixture.DataSource, "live");
        await ShouldBeExactlyOnceAsync(fixture.DataSource, "rebuilt");
    }

    [Fact]
    public async Task During_a_rebuild_a_failing_event_stops_the_shard_instead_of_dead_lettering_it()
    {
        var failDuringRebuild = true;
        var picky = new CountingProjection("picky", "picky") { Poison = (e, context) => context.IsRebuilding && failDuringRebuild && e.Data is Happened { What: "picky" } };
        var neighbour = new CountingProjection("neighbour", "neighbour");
        await using var daemon = new ProjectionDaemon(fixture.Store, [picky, neighbour], Options("node-f"));
        await daemon.StartAsync();
        await AppendManyAsync(fixture.Store, "ok", 30);
        var bad = await fixture.Store.AppendAsync($"picky-{Guid.NewGuid():N}", "thing", ExpectedVersion.NoStream, [new Happened("picky")]);
        await WaitCaughtUpAsync(daemon, "picky", bad.LastPosition);

        await daemon.RebuildAsync("picky");
        await Eventually.WaitUntilAsync(async () => (await daemon.GetStatusAsync()).Single(s => s.Name == "picky").Status == ShardStatuses.Failed,
            "the rebuild stops on the failing event", CatchUp);
        var failed = (await daemon.GetStatusAsync()).Single(s => s.Name == "picky");
        failed.Position.ShouldBeLessThan(bad.LastPosition);
        failed.LastError.ShouldNotBeNull().ShouldContain("Rebuild stopped");
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from es_dead_letters")).ShouldBe(0);
        await Eventually.WaitUntilAsync(() => Task.FromResult(!daemon.OwnedShards.Contains("picky")), "the failed shard is let go", CatchUp);

        // The other shard goes on; the failed one stays stopped until a new rebuild.
        var more = await AppendManyAsync(fixture.Store, "more", 10);
        await WaitCaughtUpAsync(daemon, "neighbour", more.LastPosition);
        (await daemon.WaitForPositionAsync("picky", more.LastPosition, TimeSpan.FromMilliseconds(500))).ShouldBeFalse();

        failDuringRebuild = false;
        await daemon.RebuildAsync("picky");
        await WaitCaughtUpAsync(daemon, "picky", more.LastPosition);
        await ShouldBeExactlyOnceAsync(fixture.DataSource, "picky");
    }

    [Fact]
    public async Task A_rebuild_whose_reset_fails_stays_asked_for_shows_why_and_goes_ahead_once_the_reset_works()
    {
        var failing = false;
        var projection = new ResetFailingProjection("reset_fails", () => Volatile.Read(ref failing));
        await using var daemon = new ProjectionDaemon(fixture.Store, [projection], Options("node-rf"));
        await daemon.StartAsync();
        await WaitCaughtUpAsync(daemon, projection.Name, (await AppendManyAsync(fixture.Store, "reset", 5)).LastPosition);
        var resetsBefore = projection.Resets;
        Volatile.Write(ref failing, true);

        var timedOut = await Should.ThrowAsync<TimeoutException>(() => daemon.RebuildAsync(projection.Name, TimeSpan.FromSeconds(1)));

        timedOut.Message.ShouldContain("the reset's table is locked by a test");
        var status = (await daemon.GetStatusAsync()).Single(s => s.Name == projection.Name);
        status.Status.ShouldBe(ShardStatuses.RebuildRequested);
        status.LastError.ShouldNotBeNull().ShouldContain("the reset's table is locked by a test");

        Volatile.Write(ref failing, false);
        await Eventually.WaitUntilAsync(async () => (await daemon.GetStatusAsync()).Single(s => s.Name == projection.Name).Status == ShardStatuses.Running,
            "the rebuild went ahead", CatchUp);
        projection.Resets.ShouldBeGreaterThan(resetsBefore);
    }

    private sealed class ResetFailingProjection(string name, Func<bool> failing) : IProjection
    {
        private int _resets;

        public string Name { get; } = name;

        public int Resets => Volatile.Read(ref _resets);

        public Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken) => Task.CompletedTask;

        public Task ResetAsync(Npgsql.NpgsqlConnection connection, Npgsql.NpgsqlTransaction transaction, CancellationToken cancellationToken)
        {
            if (failing()) throw new InvalidOperationException("the reset's table is locked by a test");
            Interlocked.Increment(ref _resets);
            return Task.CompletedTask;
        }
    }
}
