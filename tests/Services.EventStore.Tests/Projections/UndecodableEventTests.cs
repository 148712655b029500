using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;

namespace Services.EventStore.Tests.Projections;

public sealed class UndecodableEventTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task An_event_the_shared_reader_cannot_decode_is_dead_lettered_by_each_shard_which_then_carry_on()
    {
        await using var daemon = new ProjectionDaemon(fixture.Store,
            [new CountingProjection("decode_a", "decode_a"), new CountingProjection("decode_b", "decode_b")], Options("node-decode"));
        await daemon.StartAsync();
        var before = await AppendManyAsync(fixture.Store, "before", 30);
        await WaitCaughtUpAsync(daemon, "decode_a", before.LastPosition);
        await WaitCaughtUpAsync(daemon, "decode_b", before.LastPosition);

        var broken = Guid.NewGuid();
        await using (var connection = await fixture.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            // A registered type whose data no longer fits it: reading the page that holds it throws.
            await RawAppend.ExecuteAsync(connection, transaction, "undecodable", broken, "counted", """{"number": {"not": "a number"}}""");
            await transaction.CommitAsync();
        }
        var last = await AppendManyAsync(fixture.Store, "after", 30);

        foreach (var shard in new[] { "decode_a", "decode_b" })
        {
            await WaitCaughtUpAsync(daemon, shard, last.LastPosition);
            (await Sql.CountAsync(fixture.DataSource, "select count(*) from es_dead_letters where checkpoint_name = $1 and event_id = $2", shard, broken)).ShouldBe(1);
            (await Sql.CountAsync(fixture.DataSource, $"select count(*) from {shard}_applied")).ShouldBe(60);
            (await Sql.CountAsync(fixture.DataSource, $"select count(distinct event_id) from {shard}_applied")).ShouldBe(60);
            (await RowsAsync(fixture.DataSource, shard)).ShouldBe(await ExpectedRowsAsync(fixture.DataSource, exceptEvent: broken.ToString()));
        }
    }
}
