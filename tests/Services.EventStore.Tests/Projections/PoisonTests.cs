using Services.EventStore.Projections;
using static Services.EventStore.Tests.Projections.Projected;
using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests.Projections;

public sealed class PoisonTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task A_poison_event_goes_to_dead_letters_and_the_shard_carries_on_while_another_shard_is_unaffected()
    {
        var mended = false;
        var fragile = new CountingProjection("fragile", "fragile") { Poison = (e, _) => !mended && e.Data is Happened { What: "poison" } };
        var sturdy = new CountingProjection("sturdy", "sturdy");
        await using var daemon = new ProjectionDaemon(fixture.Store, [fragile, sturdy], Options("node-p"));
        await daemon.StartAsync();

        await AppendManyAsync(fixture.Store, "before", 40);
        // The poison sits in the middle of one transaction, so in the middle of a page.
        var poisoned = await fixture.Store.AppendAsync("poisoned", "thing", ExpectedVersion.NoStream,
            [new Happened("fine 1"), new Happened("fine 2"), new Happened("poison"), new Happened("fine 3")]);
        var last = await AppendManyAsync(fixture.Store, "after", 40);

        await WaitCaughtUpAsync(daemon, "sturdy", last.LastPosition);
        await WaitCaughtUpAsync(daemon, "fragile", last.LastPosition);

        var poison = (await fixture.Store.ReadStreamAsync("poisoned")).Single(e => e.Data is Happened { What: "poison" });
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from es_dead_letters where checkpoint_name = 'fragile' and event_id = $1 and global_position = $2",
            poison.EventId, poison.Position.GlobalPosition)).ShouldBe(1);
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from es_dead_letters")).ShouldBe(1);

        // Every other event was applied once, including those of the poison's own transaction.
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from fragile_applied where event_id = $1", poison.EventId)).ShouldBe(0);
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from fragile_applied")).ShouldBe(83);
        (await Sql.CountAsync(fixture.DataSource, "select count(distinct event_id) from fragile_applied")).ShouldBe(83);
        (await RowsAsync(fixture.DataSource, "fragile")).Where(r => !r.StartsWith("poisoned|", StringComparison.Ordinal))
            .ShouldBe((await ExpectedRowsAsync(fixture.DataSource)).Where(r => !r.StartsWith("poisoned|", StringComparison.Ordinal)));
        (await Sql.CountAsync(fixture.DataSource, "select events from fragile where stream_id = 'poisoned'")).ShouldBe(3);
        await ShouldBeExactlyOnceAsync(fixture.DataSource, "sturdy");

        var statuses = await daemon.GetStatusAsync();
        var fragileStatus = statuses.Single(s => s.Name == "fragile");
        fragileStatus.Status.ShouldBe(ShardStatuses.Running);
        fragileStatus.LastError.ShouldNotBeNull().ShouldContain(poison.EventId.ToString());
        fragileStatus.DeadLetters.ShouldBe(1);
        statuses.Single(s => s.Name == "sturdy").LastError.ShouldBeNull();
        statuses.Single(s => s.Name == "sturdy").DeadLetters.ShouldBe(0);
        poisoned.LastPosition.ShouldBeLessThan(last.LastPosition);

        // Mended, a rebuild takes the event in and its dead letter goes.
        mended = true;
        await daemon.RebuildAsync("fragile");
        await WaitCaughtUpAsync(daemon, "fragile", last.LastPosition);
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from fragile_applied where event_id = $1", poison.EventId)).ShouldBe(1);
        (await daemon.GetStatusAsync()).Single(s => s.Name == "fragile").DeadLetters.ShouldBe(0);
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from es_dead_letters")).ShouldBe(0);
    }
}
