using Npgsql;
using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;
using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests.Projections;

/// <summary>
/// Faults that are not an event's: the shard must not dead-letter its way through the feed (the read
/// model would lose every event, silently), nor hold the other shards back while it waits.
/// </summary>
public sealed class ReadModelFaultTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static async Task<ShardStatus> StatusAsync(ProjectionDaemon daemon, string name) => (await daemon.GetStatusAsync()).Single(s => s.Name == name);

    private Task<long> DeadLettersAsync(string name) => Sql.CountAsync(fixture.DataSource, "select count(*) from es_dead_letters where checkpoint_name = $1", name);

    [Fact]
    public async Task A_read_model_whose_table_is_gone_is_retried_without_dead_letters_and_a_rebuild_mends_it()
    {
        var vanishing = new CountingProjection("vanishing", "vanishing");
        await using var daemon = new ProjectionDaemon(fixture.Store, [vanishing], Options("node-v"));
        await daemon.StartAsync();
        await WaitCaughtUpAsync(daemon, vanishing.Name, (await AppendManyAsync(fixture.Store, "before", 10)).LastPosition);
        await using (var drop = fixture.DataSource.CreateCommand("drop table vanishing_applied")) await drop.ExecuteNonQueryAsync();

        var last = await AppendManyAsync(fixture.Store, "after", 20);

        await Eventually.WaitUntilAsync(async () => (await StatusAsync(daemon, vanishing.Name)).LastError?.Contains("does not exist", StringComparison.Ordinal) == true, "the shard reports the missing table");
        (await daemon.WaitForPositionAsync(vanishing.Name, last.LastPosition, TimeSpan.FromMilliseconds(300))).ShouldBeFalse("nothing is skipped");
        (await StatusAsync(daemon, vanishing.Name)).Status.ShouldBe(ShardStatuses.Retrying);
        (await DeadLettersAsync(vanishing.Name)).ShouldBe(0);

        await daemon.RebuildAsync(vanishing.Name, CatchUp);

        await WaitCaughtUpAsync(daemon, vanishing.Name, last.LastPosition);
        await ShouldBeExactlyOnceAsync(fixture.DataSource, vanishing.Table);
    }

    [Fact]
    public async Task A_rebuild_asked_for_during_a_long_back_off_starts_at_once()
    {
        var vanishing = new CountingProjection("vanishing_slowly", "vanishing_slowly");
        // The first wait after a fault that is not the events' is ten retry delays: 20 s here.
        await using var daemon = new ProjectionDaemon(fixture.Store, [vanishing], Options("node-b", retryDelay: TimeSpan.FromSeconds(2)));
        await daemon.StartAsync();
        await WaitCaughtUpAsync(daemon, vanishing.Name, (await AppendManyAsync(fixture.Store, "slow-before", 5)).LastPosition);
        await using (var drop = fixture.DataSource.CreateCommand("drop table vanishing_slowly_applied")) await drop.ExecuteNonQueryAsync();
        var last = await AppendManyAsync(fixture.Store, "slow-after", 5);
        await Eventually.WaitUntilAsync(async () => (await StatusAsync(daemon, vanishing.Name)).LastError?.Contains("does not exist", StringComparison.Ordinal) == true, "the shard backs off");

        await daemon.RebuildAsync(vanishing.Name, TimeSpan.FromSeconds(10));

        await WaitCaughtUpAsync(daemon, vanishing.Name, last.LastPosition);
    }

    [Fact]
    public async Task After_events_dead_lettered_in_a_row_the_shard_keeps_the_next_and_retries_it_until_the_fault_is_mended()
    {
        var broken = true;
        var faulty = new CountingProjection("faulty", "faulty") { Poison = (e, _) => Volatile.Read(ref broken) && e.StreamId.StartsWith("faulty-feed-", StringComparison.Ordinal) };
        await using var daemon = new ProjectionDaemon(fixture.Store, [faulty], Options("node-f", maxDeadLettersInARow: 3));
        await daemon.StartAsync();

        var last = await AppendManyAsync(fixture.Store, "faulty-feed", 10, perAppend: 1);

        await Eventually.WaitUntilAsync(async () => (await StatusAsync(daemon, faulty.Name)).LastError?.Contains("3 transactions in a row", StringComparison.Ordinal) == true, "the shard stops dead-lettering");
        (await StatusAsync(daemon, faulty.Name)).Status.ShouldBe(ShardStatuses.Retrying);
        (await DeadLettersAsync(faulty.Name)).ShouldBe(3);

        Volatile.Write(ref broken, false);

        await WaitCaughtUpAsync(daemon, faulty.Name, last.LastPosition);
        (await DeadLettersAsync(faulty.Name)).ShouldBe(3);
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from faulty_applied")).ShouldBe(await Sql.CountAsync(fixture.DataSource, "select count(*) from es_events") - 3);
    }

    [Fact]
    public async Task The_poison_events_of_one_command_count_once_towards_stopping_the_dead_letters()
    {
        var fragile = new CountingProjection("fragile_run", "fragile_run") { Poison = (e, _) => e.Data is Happened { What: "poison" } };
        await using var daemon = new ProjectionDaemon(fixture.Store, [fragile], Options("node-run", maxDeadLettersInARow: 3));
        await daemon.StartAsync();

        await fixture.Store.AppendAsync($"run-{Guid.NewGuid():N}", "thing", ExpectedVersion.NoStream, [.. Enumerable.Repeat<object>(new Happened("poison"), 6)]);
        var after = await AppendManyAsync(fixture.Store, "after-run", 10);

        await WaitCaughtUpAsync(daemon, fragile.Name, after.LastPosition);
        (await DeadLettersAsync(fragile.Name)).ShouldBe(6);
    }

    [Fact]
    public async Task A_page_that_always_outlasts_the_command_timeout_is_dead_lettered_and_the_shard_carries_on()
    {
        await using var source = EventStoreDataSource.Create(fixture.ConnectionString + ";Command Timeout=1", "timeout-tests");
        await using var store = new EventStore(source, StoreFixture.NewRegistry());
        var slow = new SlowProjection("slow_shard");
        await using var daemon = new ProjectionDaemon(store, [slow], Options("node-t", maxAttempts: 2));
        await daemon.StartAsync();

        var stuck = await store.AppendAsync($"t-{Guid.NewGuid():N}", "thing", ExpectedVersion.NoStream, [new Happened("slow")]);
        var after = await store.AppendAsync($"t-{Guid.NewGuid():N}", "thing", ExpectedVersion.NoStream, [new Happened("fine")]);

        await WaitCaughtUpAsync(daemon, slow.Name, after.LastPosition);
        slow.SlowAttempts.ShouldBeGreaterThanOrEqualTo(2);
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from es_dead_letters where checkpoint_name = $1 and global_position = $2", slow.Name, stuck.LastPosition.GlobalPosition)).ShouldBe(1);
        (await Sql.CountAsync(fixture.DataSource, $"select count(*) from {slow.Name} s join es_events e using (event_id) where e.global_position = $1", after.LastPosition.GlobalPosition)).ShouldBe(1);
        (await Sql.CountAsync(fixture.DataSource, $"select count(*) from {slow.Name}")).ShouldBe(await Sql.CountAsync(fixture.DataSource, "select count(*) from es_events") - 1, "the slow event's rows were rolled back");
    }

    /// <summary>Writes each event's id, then sleeps 2 s within the page for an event "slow": beyond a 1 s command timeout.</summary>
    private sealed class SlowProjection(string name) : IProjection
    {
        private int _slowAttempts;

        public string Name { get; } = name;

        public int SlowAttempts => Volatile.Read(ref _slowAttempts);

        public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
        {
            await using (var write = context.CreateCommand($"insert into {Name} (event_id) select unnest($1::uuid[])"))
            {
                write.Parameters.Add(new NpgsqlParameter { Value = page.Select(e => e.EventId).ToArray() });
                await write.ExecuteNonQueryAsync(cancellationToken);
            }
            if (!page.Any(e => e.Data is Happened { What: "slow" })) return;
            Interlocked.Increment(ref _slowAttempts);
            await using var sleep = context.CreateCommand("select pg_sleep(2)");
            await sleep.ExecuteNonQueryAsync(cancellationToken);
        }

        public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
        {
            await using var command = new NpgsqlCommand($"create table if not exists {Name} (event_id uuid not null); truncate {Name}", connection, transaction);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
    }
}
