using System.Collections.Concurrent;
using Npgsql;
using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;

namespace Services.EventStore.Tests.Projections;

public sealed class LockedReadModelTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task A_page_stuck_on_a_lock_held_elsewhere_gives_way_so_the_other_read_models_keep_following_the_feed()
    {
        await using var daemon = new ProjectionDaemon(fixture.Store,
            [new CountingProjection("locked", "locked"), new CountingProjection("free", "free")],
            Options("node-l", lockTimeout: TimeSpan.FromMilliseconds(300)));
        await daemon.StartAsync();
        var before = await AppendManyAsync(fixture.Store, "before", 10);
        await WaitCaughtUpAsync(daemon, "locked", before.LastPosition);
        await WaitCaughtUpAsync(daemon, "free", before.LastPosition);

        await using (var locker = await fixture.DataSource.OpenConnectionAsync())
        {
            // The page writes its counts, so takes a transaction id, then waits for its log table.
            await using var holding = await locker.BeginTransactionAsync();
            await using (var hold = new NpgsqlCommand("lock table locked_applied in exclusive mode", locker, holding)) await hold.ExecuteNonQueryAsync();
            await AppendManyAsync(fixture.Store, "while-held", 5);
            await Eventually.WaitUntilAsync(async () => await Sql.LockWaitersAsync(fixture.DataSource) >= 1, "the locked shard's page waits on the lock");
            var later = await AppendManyAsync(fixture.Store, "later", 5);

            await WaitCaughtUpAsync(daemon, "free", later.LastPosition);
            // The free shard may see the later events as soon as the page rolls back, before its status is written.
            await Eventually.WaitUntilAsync(async () => (await daemon.GetStatusAsync()).Single(s => s.Name == "locked").Status == ShardStatuses.Retrying,
                "the locked shard shows as retrying");
            var locked = (await daemon.GetStatusAsync()).Single(s => s.Name == "locked");
            locked.LastError.ShouldNotBeNull().ShouldContain("lock");
            locked.Position.ShouldBe(before.LastPosition);
            await holding.RollbackAsync();

            await WaitCaughtUpAsync(daemon, "locked", later.LastPosition);
        }

        await ShouldBeExactlyOnceAsync(fixture.DataSource, "locked");
        await ShouldBeExactlyOnceAsync(fixture.DataSource, "free");
        (await daemon.GetStatusAsync()).Single(s => s.Name == "locked").Status.ShouldBe(ShardStatuses.Running);
    }

    [Fact]
    public async Task A_rebuild_waits_for_the_readers_of_its_tables_however_long_they_read()
    {
        var errors = new ConcurrentQueue<Exception>();
        var lockTimeout = TimeSpan.FromMilliseconds(200);
        await using var daemon = new ProjectionDaemon(fixture.Store, [new CountingProjection("reset", "reset")], Options("node-r", lockTimeout: lockTimeout, onError: errors.Enqueue));
        await daemon.StartAsync();
        var before = await AppendManyAsync(fixture.Store, "reset-before", 10);
        await WaitCaughtUpAsync(daemon, "reset", before.LastPosition);

        Task rebuild;
        await using (var reader = await fixture.DataSource.OpenConnectionAsync())
        {
            await using var reading = await reader.BeginTransactionAsync();
            await using (var read = new NpgsqlCommand("select count(*) from reset", reader, reading)) await read.ExecuteScalarAsync();
            rebuild = daemon.RebuildAsync("reset", TimeSpan.FromSeconds(15));
            // The reset's emptying waits for the reader, well past the lock timeout of pages.
            await Eventually.WaitUntilAsync(async () => await Sql.CountAsync(fixture.DataSource,
                "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and now() - query_start > $1",
                lockTimeout * 4) == 1, "the reset waits on the reader for four lock timeouts");
            await reading.CommitAsync();
        }

        await rebuild;
        var after = await AppendManyAsync(fixture.Store, "reset-after", 5);
        await WaitCaughtUpAsync(daemon, "reset", after.LastPosition);
        await ShouldBeExactlyOnceAsync(fixture.DataSource, "reset");
        errors.ShouldBeEmpty();
    }
}
