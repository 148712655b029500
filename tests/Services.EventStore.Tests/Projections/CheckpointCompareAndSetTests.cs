using Npgsql;
using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;

namespace Services.EventStore.Tests.Projections;

public sealed class CheckpointCompareAndSetTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task A_page_whose_checkpoint_another_node_moved_meanwhile_is_rolled_back_and_the_shard_goes_on_from_the_moved_checkpoint()
    {
        await using var daemon = new ProjectionDaemon(fixture.Store, [new CountingProjection("moved", "moved")], Options("node-m", lockTimeout: Eventually.Timeout));
        await daemon.StartAsync();
        var before = await AppendManyAsync(fixture.Store, "before", 10);
        await WaitCaughtUpAsync(daemon, "moved", before.LastPosition);

        FeedPosition moved;
        await using (var locker = await fixture.DataSource.OpenConnectionAsync())
        {
            await using var holding = await locker.BeginTransactionAsync();
            await using (var hold = new NpgsqlCommand("lock table moved_applied in exclusive mode", locker, holding)) await hold.ExecuteNonQueryAsync();
            await AppendManyAsync(fixture.Store, "page", 5);
            var shard = 0;
            await Eventually.WaitUntilAsync(async () => await Sql.LockWaiterIdsAsync(fixture.DataSource) is [var only] && (shard = only) > 0,
                "the shard's page waits on the read model's lock");
            // Meanwhile, as far as the checkpoint tells, another node applied that page and more.
            moved = (await AppendManyAsync(fixture.Store, "elsewhere", 5)).LastPosition;
            await MoveCheckpointAsync("moved", moved);
            await holding.RollbackAsync();
            await Eventually.WaitUntilAsync(async () => await Sql.CountAsync(fixture.DataSource,
                "select count(*) from pg_stat_activity where pid = $1 and state <> 'idle'", shard) == 0, "the page's transaction ends");
        }

        (await daemon.GetStatusAsync()).Single(s => s.Name == "moved").Position.ShouldBe(moved, "the page found the checkpoint moved and left it");
        (await AppliedStreamPrefixesAsync()).ShouldBe(["before"], "the page's rows were rolled back");
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from moved where stream_id like 'page-%'")).ShouldBe(0);

        var after = await AppendManyAsync(fixture.Store, "after", 5);
        await WaitCaughtUpAsync(daemon, "moved", after.LastPosition);
        (await AppliedStreamPrefixesAsync()).ShouldBe(["after", "before"]);
    }

    private async Task MoveCheckpointAsync(string name, FeedPosition to)
    {
        await using var move = fixture.DataSource.CreateCommand("update es_checkpoints set last_xid = $2, last_position = $3 where name = $1");
        move.Parameters.Add(new NpgsqlParameter { Value = name });
        move.Parameters.Add(ShardRunner.Xid(to.TransactionId));
        move.Parameters.Add(new NpgsqlParameter { Value = to.GlobalPosition });
        (await move.ExecuteNonQueryAsync()).ShouldBe(1);
    }

    /// <summary>Which appends (by their streams' prefix) the read model has applied events of.</summary>
    private Task<List<string>> AppliedStreamPrefixesAsync() => Sql.ColumnAsync<string>(fixture.DataSource,
        "select distinct split_part(e.stream_id, '-', 1) from moved_applied a join es_events e using (event_id) order by 1");
}
