using Npgsql;
using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests;

public sealed class ConcurrencyTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly EventStore _store = fixture.Store;

    private static string NewStream(string name = "thing") => $"{name}-{Guid.NewGuid():N}";

    [Fact]
    public async Task Of_two_concurrent_appends_at_the_same_expected_version_exactly_one_wins_and_the_loser_writes_nothing()
    {
        var stream = NewStream();
        await _store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Happened("created")]);

        // Two nodes (one store queues its own appends to a stream one after the other). Both
        // appends are held in flight together (the first on a lock taken after its insert, the
        // second behind the first's uncommitted version), then let go.
        await using var otherNode = new EventStore(fixture.DataSource, StoreFixture.NewRegistry());
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        Task<AppendResult> first, second;
        await using (var locker = await fixture.DataSource.OpenConnectionAsync())
        {
            await using (var take = new NpgsqlCommand($"select pg_advisory_lock({key})", locker)) await take.ExecuteScalarAsync();
            first = Task.Run(() => _store.AppendAsync(
                [new StreamAppend(stream, "thing", ExpectedVersion.Exactly(1), [new Happened("first")])], null,
                () => [new NpgsqlBatchCommand($"select pg_advisory_xact_lock({key})")]));
            await Eventually.WaitUntilAsync(async () => await Sql.LockWaitersAsync(fixture.DataSource) >= 1, "the first append waits on the lock");
            second = Task.Run(() => otherNode.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new Happened("second"), new Happened("second again")]));
            await Eventually.WaitUntilAsync(async () => await Sql.LockWaitersAsync(fixture.DataSource) >= 2, "the second append waits on the first");
            await using (var release = new NpgsqlCommand($"select pg_advisory_unlock({key})", locker)) await release.ExecuteScalarAsync();
        }

        var outcomes = await Outcomes(first, second);

        var winner = outcomes.Single(o => o.Result is not null);
        var loser = outcomes.Single(o => o.Conflict is not null);
        var wonWith = winner.Task == first ? 1 : 2;
        winner.Result!.VersionOf(stream).ShouldBe(1 + wonWith);
        loser.Conflict!.StreamId.ShouldBe(stream);
        loser.Conflict.Expected.ShouldBe(ExpectedVersion.Exactly(1));
        loser.Conflict.ActualVersion.ShouldBe(1 + wonWith);
        var events = await _store.ReadStreamAsync(stream);
        events.Count.ShouldBe(1 + wonWith);
        events.Select(e => ((Happened)e.Data!).What).ShouldNotContain(winner.Task == first ? "second" : "first");
    }

    [Fact]
    public async Task A_version_check_waits_for_another_nodes_append_in_flight_to_that_stream_and_then_refuses()
    {
        var offer = NewStream("offer");
        await _store.AppendAsync(offer, "offer", ExpectedVersion.NoStream, [new Happened("published")]);
        var booking = NewStream("booking");

        // Another node appends to the offer (a withdrawal) and is held before its commit; this
        // node then books on the offer as it was, checking that it has not moved.
        await using var otherNode = new EventStore(fixture.DataSource, StoreFixture.NewRegistry());
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        Task<AppendResult> withdrawal, booked;
        await using (var locker = await fixture.DataSource.OpenConnectionAsync())
        {
            await using (var take = new NpgsqlCommand($"select pg_advisory_lock({key})", locker)) await take.ExecuteScalarAsync();
            withdrawal = Task.Run(() => otherNode.AppendAsync(
                [new StreamAppend(offer, "offer", ExpectedVersion.Exactly(1), [new Happened("withdrawn")])], null,
                () => [new NpgsqlBatchCommand($"select pg_advisory_xact_lock({key})")]));
            await Eventually.WaitUntilAsync(async () => await Sql.LockWaitersAsync(fixture.DataSource) >= 1, "the withdrawal waits before its commit");
            booked = Task.Run(() => _store.AppendAsync(
                [new StreamAppend(booking, "booking", ExpectedVersion.NoStream, [new Happened("booked")]), StreamAppend.Unchanged(offer, ExpectedVersion.Exactly(1))]));
            await Eventually.WaitUntilAsync(async () => booked.IsCompleted || await Sql.LockWaitersAsync(fixture.DataSource) >= 2, "the booking is answered or waits");
            booked.IsCompleted.ShouldBeFalse("the check must not pass while an append to its stream is in flight");
            await using (var release = new NpgsqlCommand($"select pg_advisory_unlock({key})", locker)) await release.ExecuteScalarAsync();
        }

        (await withdrawal).VersionOf(offer).ShouldBe(2);
        var conflict = await Should.ThrowAsync<StreamVersionConflictException>(booked);
        conflict.StreamId.ShouldBe(offer);
        conflict.ActualVersion.ShouldBe(2);
        (await _store.ReadStreamAsync(booking)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Of_twenty_concurrent_appenders_at_the_same_expected_version_exactly_one_wins()
    {
        var stream = NewStream();
        await _store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Happened("created")]);
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var appends = Enumerable.Range(0, 20)
            .Select(i => Task.Run(async () =>
            {
                await start.Task;
                return await _store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new Counted(i)]);
            }))
            .ToArray();
        start.SetResult();

        var outcomes = await Outcomes(appends);

        outcomes.Count(o => o.Result is not null).ShouldBe(1);
        outcomes.Single(o => o.Result is not null).Result!.VersionOf(stream).ShouldBe(2);
        var conflicts = outcomes.Where(o => o.Conflict is not null).Select(o => o.Conflict!).ToList();
        conflicts.Count.ShouldBe(19);
        conflicts.ShouldAllBe(c => c.StreamId == stream && c.Expected == ExpectedVersion.Exactly(1) && c.ActualVersion == 2);
        var events = await _store.ReadStreamAsync(stream);
        events.Select(e => e.StreamVersion).ShouldBe([1L, 2L]);
        events[1].Data.ShouldBe(new Counted(Array.IndexOf(appends, outcomes.Single(o => o.Result is not null).Task)));
    }

    [Fact]
    public async Task Concurrent_appends_with_any_version_all_succeed_with_contiguous_versions()
    {
        var stream = NewStream(); // does not exist yet: the first appenders also race to create it
        const int writers = 20, appendsEach = 5;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, writers)
            .Select(w => Task.Run(async () =>
            {
                await start.Task;
                var versions = new List<long>();
                for (var k = 0; k < appendsEach; k++)
                {
                    var result = await _store.AppendAsync(stream, "thing", ExpectedVersion.Any, [new Counted(w * 1000 + k * 10), new Counted(w * 1000 + k * 10 + 1)]);
                    versions.Add(result.VersionOf(stream));
                }
                return versions;
            }))
            .ToArray();
        start.SetResult();
        var returned = (await Task.WhenAll(tasks)).SelectMany(v => v).Order().ToList();

        returned.ShouldBe(Enumerable.Range(1, writers * appendsEach).Select(i => 2L * i));
        var events = await _store.ReadStreamAsync(stream);
        events.Select(e => e.StreamVersion).ShouldBe(Enumerable.Range(1, 2 * writers * appendsEach).Select(i => (long)i));
        var numbers = events.Select(e => ((Counted)e.Data!).Number).ToList();
        for (var i = 0; i < numbers.Count; i += 2) numbers[i + 1].ShouldBe(numbers[i] + 1, "the two events of one append are adjacent");
        foreach (var writer in numbers.GroupBy(n => n / 1000))
            writer.ToList().ShouldBe(writer.Order().ToList(), "each writer's appends keep their order");
        numbers.Count.ShouldBe(numbers.Distinct().Count());
    }

    [Fact]
    public async Task Of_concurrent_creators_of_one_stream_exactly_one_wins()
    {
        var stream = NewStream();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var creators = Enumerable.Range(0, 10)
            .Select(i => Task.Run(async () =>
            {
                await start.Task;
                return await _store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(i), new Counted(i)]);
            }))
            .ToArray();
        start.SetResult();

        var outcomes = await Outcomes(creators);

        outcomes.Count(o => o.Result is not null).ShouldBe(1);
        outcomes.Where(o => o.Conflict is not null).ShouldAllBe(o => o.Conflict!.ActualVersion == 2 && o.Conflict.Expected == ExpectedVersion.NoStream);
        (await _store.ReadStreamAsync(stream)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Multi_stream_appends_naming_the_same_streams_in_opposite_orders_do_not_deadlock()
    {
        var prefix = NewStream("pair");
        string a = $"{prefix}-a", b = $"{prefix}-b";
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var appends = Enumerable.Range(0, 20)
            .Select(i => Task.Run(async () =>
            {
                await start.Task;
                StreamAppend first = new(a, "thing", ExpectedVersion.Any, [new Counted(i)]), second = new(b, "thing", ExpectedVersion.Any, [new Counted(i)]);
                return await _store.AppendAsync(i % 2 == 0 ? [first, second] : [second, first]);
            }))
            .ToArray();
        start.SetResult();

        await Task.WhenAll(appends);

        (await _store.ReadStreamAsync(a)).Select(e => e.Data).ShouldBe((await _store.ReadStreamAsync(b)).Select(e => e.Data), "both streams saw the appends in one order");
    }

    /// <summary>
    /// Two nodes' appends naming the same streams in opposite orders cannot deadlock: each takes its
    /// streams' locks in stream order, whatever order it names them in. Checked where it shows: an
    /// append naming b before a, with a held elsewhere, waits for a without holding b.
    /// </summary>
    [Theory]
    [InlineData(true)] // appends at any version: one es_append per stream
    [InlineData(false)] // at known versions: es_append_all
    public async Task A_multi_stream_append_takes_its_streams_locks_in_stream_order_whatever_order_it_names_them_in(bool anyVersion)
    {
        var prefix = NewStream("pair");
        string a = $"{prefix}-a", b = $"{prefix}-b";
        var expected = anyVersion ? ExpectedVersion.Any : ExpectedVersion.NoStream;
        await using var holder = await fixture.DataSource.OpenConnectionAsync();
        await using (var holding = await holder.BeginTransactionAsync())
        {
            await LockAsync(holder, holding, "pg_advisory_xact_lock", a);
            var append = _store.AppendAsync([new StreamAppend(b, "thing", expected, [new Happened("b")]), new StreamAppend(a, "thing", expected, [new Happened("a")])]);
            await Eventually.WaitUntilAsync(async () => await Sql.LockWaitersAsync(fixture.DataSource) >= 1, "the append waits for a");

            await using (var prober = await fixture.DataSource.OpenConnectionAsync())
            await using (var probing = await prober.BeginTransactionAsync())
                (await LockAsync(prober, probing, "pg_try_advisory_xact_lock", b)).ShouldBe(true, "b is free while the append waits for a");

            await holding.CommitAsync();
            (await append).VersionOf(b).ShouldBe(1);
        }
    }

    private static async Task<object?> LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string function, string streamId)
    {
        await using var command = new NpgsqlCommand($"select {function}(hashtextextended($1, 0))", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        return await command.ExecuteScalarAsync();
    }

    [Fact]
    public async Task A_multi_stream_append_with_one_conflicting_stream_writes_nothing_to_any_stream()
    {
        var prefix = NewStream("multi");
        string a = $"{prefix}-a", b = $"{prefix}-b", c = $"{prefix}-c";
        await _store.AppendAsync(a, "thing", ExpectedVersion.NoStream, [new Happened("a1")]);
        await _store.AppendAsync(c, "thing", ExpectedVersion.NoStream, [new Happened("c1"), new Happened("c2")]);

        // c, named first, is found to conflict before anything is written.
        var conflict = await Should.ThrowAsync<StreamVersionConflictException>(() => _store.AppendAsync(
        [
            new StreamAppend(c, "thing", ExpectedVersion.Exactly(1), [new Happened("c-stale")]),
            new StreamAppend(a, "thing", ExpectedVersion.Exactly(1), [new Happened("a2")]),
            new StreamAppend(b, "thing", ExpectedVersion.NoStream, [new Happened("b1")]),
        ]));

        conflict.StreamId.ShouldBe(c);
        conflict.Expected.ShouldBe(ExpectedVersion.Exactly(1));
        conflict.ActualVersion.ShouldBe(2);
        (await _store.ReadStreamAsync(a)).Select(e => e.Data).ShouldBe([new Happened("a1")]);
        (await _store.ReadStreamAsync(b)).ShouldBeEmpty();
        (await _store.ReadStreamAsync(c)).Count.ShouldBe(2);
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from es_events where stream_id = $1", b)).ShouldBe(0);
        (await _store.AggregateStreamAsync(a, 0, (n, _) => n + 1)).Version.ShouldBe(1);
    }

    [Fact]
    public async Task A_multi_stream_append_moves_every_stream_and_returns_each_new_version()
    {
        var prefix = NewStream("multi");
        string a = $"{prefix}-a", b = $"{prefix}-b", c = $"{prefix}-c";
        await _store.AppendAsync(b, "thing", ExpectedVersion.NoStream, [new Happened("b1"), new Happened("b2")]);

        var result = await _store.AppendAsync(
        [
            new StreamAppend(c, "other", ExpectedVersion.Any, [new Counted(1)]),
            new StreamAppend(b, "thing", ExpectedVersion.Exactly(2), [new Happened("b3")]),
            new StreamAppend(a, "thing", ExpectedVersion.NoStream, [new Happened("a1"), new Happened("a2"), new Happened("a3")]),
        ]);

        result.StreamVersions.Count.ShouldBe(3);
        result.VersionOf(a).ShouldBe(3);
        result.VersionOf(b).ShouldBe(3);
        result.VersionOf(c).ShouldBe(1);
        var written = new[] { a, b, c }.Select(s => _store.ReadStreamAsync(s)).ToArray();
        var all = (await Task.WhenAll(written)).SelectMany(e => e).ToList();
        all.Count.ShouldBe(7);
        var appended = all.Where(e => !Equals(e.Data, new Happened("b1")) && !Equals(e.Data, new Happened("b2"))).ToList();
        appended.Count.ShouldBe(5);
        appended.Select(e => e.Position.TransactionId).Distinct().Count().ShouldBe(1, "one transaction");
        result.LastPosition.ShouldBe(appended.Max(e => e.Position));
        result.LastPosition.ShouldBe(all.Max(e => e.Position));
    }

    private sealed record Outcome(Task<AppendResult> Task, AppendResult? Result, StreamVersionConflictException? Conflict);

    private static async Task<Outcome[]> Outcomes(params Task<AppendResult>[] tasks)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (StreamVersionConflictException)
        {
            // Inspected per task below; anything else than a conflict fails the test there.
        }
        return tasks.Select(t => t.IsCompletedSuccessfully
                ? new Outcome(t, t.Result, null)
                : new Outcome(t, null, t.Exception!.InnerException as StreamVersionConflictException
                    ?? throw new InvalidOperationException("An append failed with something else than a version conflict.", t.Exception)))
            .ToArray();
    }
}
