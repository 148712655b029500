using Npgsql;
using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests;

/// <summary>
/// Appends that arrive while others are committing wait and then commit together. To make the
/// waiting certain, appends first take every commit slot and are held on an advisory lock.
/// </summary>
public sealed class GroupCommitTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly EventStore _store = fixture.Store;

    private static string NewStream() => $"thing-{Guid.NewGuid():N}";

    [Fact]
    public async Task Appends_that_wait_for_a_commit_slot_commit_together_in_one_transaction()
    {
        List<Task<AppendResult>> waiting = [];
        await WhileCommitSlotsAreHeldAsync(() =>
        {
            waiting.AddRange(Enumerable.Range(0, 30).Select(i => _store.AppendAsync(NewStream(), "thing", ExpectedVersion.NoStream, [new Counted(i)])));
            return Task.CompletedTask;
        });

        var results = await Task.WhenAll(waiting);

        results.Select(r => r.LastPosition.TransactionId).Distinct().Count().ShouldBe(1);
        results.Select(r => r.LastPosition).Distinct().Count().ShouldBe(30);
        foreach (var (result, i) in results.Select((r, i) => (r, i)))
        {
            var stream = result.StreamVersions.Keys.Single();
            (await _store.ReadStreamAsync(stream)).Single().Data.ShouldBe(new Counted(i));
        }
    }

    [Fact]
    public async Task A_conflict_in_a_group_fails_only_its_own_append()
    {
        var existing = NewStream();
        await _store.AppendAsync(existing, "thing", ExpectedVersion.NoStream, [new Happened("created")]);
        List<Task<AppendResult>> others = [];
        Task<AppendResult>? conflicting = null;
        await WhileCommitSlotsAreHeldAsync(() =>
        {
            others.AddRange(Enumerable.Range(0, 5).Select(i => _store.AppendAsync(NewStream(), "thing", ExpectedVersion.NoStream, [new Counted(i)])));
            conflicting = _store.AppendAsync(existing, "thing", ExpectedVersion.NoStream, [new Happened("again")]);
            others.AddRange(Enumerable.Range(5, 5).Select(i => _store.AppendAsync(NewStream(), "thing", ExpectedVersion.NoStream, [new Counted(i)])));
            return Task.CompletedTask;
        });

        var conflict = await Should.ThrowAsync<StreamVersionConflictException>(conflicting!);
        conflict.StreamId.ShouldBe(existing);
        conflict.ActualVersion.ShouldBe(1);
        var results = await Task.WhenAll(others);
        foreach (var (result, i) in results.Select((r, i) => (r, i)))
            (await _store.ReadStreamAsync(result.StreamVersions.Keys.Single())).Single().Data.ShouldBe(new Counted(i));
        (await _store.ReadStreamAsync(existing)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task Appends_to_one_stream_commit_in_one_group_in_arrival_order()
    {
        var stream = NewStream();
        await _store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(0)]);
        List<Task<AppendResult>> appends = [];
        await WhileCommitSlotsAreHeldAsync(() =>
        {
            appends.AddRange(Enumerable.Range(1, 4).Select(i => _store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(i), [new Counted(i)])));
            return Task.CompletedTask;
        });

        var results = await Task.WhenAll(appends);

        results.Select(r => r.VersionOf(stream)).ShouldBe([2L, 3L, 4L, 5L]);
        results.Select(r => r.LastPosition.TransactionId).Distinct().Count().ShouldBe(1);
        (await _store.ReadStreamAsync(stream)).Select(e => ((Counted)e.Data!).Number).ShouldBe([0, 1, 2, 3, 4]);
    }

    [Fact]
    public async Task When_an_append_fails_the_ones_decided_on_its_events_fail_even_if_another_writer_took_its_version()
    {
        var (stream, other) = (NewStream(), NewStream());
        await using var cached = new EventStore(fixture.DataSource, StoreFixture.NewRegistry(), cachedAggregates: 10);
        await using var anotherNode = new EventStore(fixture.DataSource, StoreFixture.NewRegistry());
        Func<int, object, int> count = (total, _) => total + 1;
        await cached.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(0)]);
        await cached.AppendAsync(other, "thing", ExpectedVersion.NoStream, [new Counted(0)]);
        await cached.FetchForWritingAsync(stream, 0, count);
        Task<AppendResult> doomed = null!, decidedOnIt = null!, unrelated = null!;
        await WhileCommitSlotsAreHeldAsync(cached, async () =>
        {
            var first = await cached.FetchForWritingAsync(stream, 0, count);
            doomed = cached.AppendAsync([new StreamAppend(stream, "thing", first.Expected, [new Counted(1)])]);
            var onIt = await cached.FetchForWritingAsync(stream, 0, count);
            (onIt.State, onIt.Version).ShouldBe((2, 2L), "the queued append is folded in");
            decidedOnIt = cached.AppendAsync([new StreamAppend(stream, "thing", onIt.Expected, [new Counted(2)])]);
            unrelated = cached.AppendAsync(other, "thing", ExpectedVersion.Exactly(1), [new Counted(1)]);
        }, beforeRelease: () => anotherNode.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new Counted(-1)]));

        (await Should.ThrowAsync<StreamVersionConflictException>(doomed)).ActualVersion.ShouldBe(2);
        (await Should.ThrowAsync<StreamVersionConflictException>(decidedOnIt)).StreamId.ShouldBe(stream, "version 2 exists, but with another writer's event");
        (await unrelated).VersionOf(other).ShouldBe(2);
        (await _store.ReadStreamAsync(stream)).Select(e => ((Counted)e.Data!).Number).ShouldBe([0, -1]);
        (await cached.FetchForWritingAsync(stream, 0, count)).Version.ShouldBe(2, "the failed appends left the cache");
    }

    [Fact]
    public async Task A_decision_on_a_queued_append_follows_it_in_the_feed_when_both_commit_in_one_group()
    {
        // "z-" sorts after "a-": in stream order, the booking would come before the slot event it was decided on.
        var (slot, booking) = ($"z-slot-{Guid.NewGuid():N}", $"a-booking-{Guid.NewGuid():N}");
        await using var cached = new EventStore(fixture.DataSource, StoreFixture.NewRegistry(), cachedAggregates: 10);
        Func<int, object, int> count = (total, _) => total + 1;
        await cached.AppendAsync(slot, "slot", ExpectedVersion.NoStream, [new Happened("slot scheduled")]);
        await cached.FetchForWritingAsync(slot, 0, count);
        Task<AppendResult> freed = null!, booked = null!;
        await WhileCommitSlotsAreHeldAsync(cached, async () =>
        {
            var before = await cached.FetchForWritingAsync(slot, 0, count);
            freed = cached.AppendAsync([new StreamAppend(slot, "slot", before.Expected, [new Happened("seat freed")])]);
            var onIt = await cached.FetchForWritingAsync(slot, 0, count);
            onIt.Version.ShouldBe(2, "decided on the queued 'seat freed'");
            booked = cached.AppendAsync(
            [
                new StreamAppend(booking, "booking", ExpectedVersion.NoStream, [new Happened("booking requested")]),
                new StreamAppend(slot, "slot", onIt.Expected, [new Happened("seat reserved")]),
            ]);
        });
        (await freed).LastPosition.TransactionId.ShouldBe((await booked).LastPosition.TransactionId, "one group");

        // Until all four are readable: a transaction elsewhere on the cluster may hold the feed's horizon back a while.
        (await Feed.ReadUntilAsync(_store, FeedPosition.Start, e => e.StreamId == slot || e.StreamId == booking, count: 4)).Events
            .Select(e => ((Happened)e.Data!).What)
            .ShouldBe(["slot scheduled", "seat freed", "booking requested", "seat reserved"]);
    }

    [Fact]
    public async Task A_decision_on_an_append_still_committing_is_confirmed_once_it_has_committed()
    {
        var stream = NewStream();
        await using var cached = new EventStore(fixture.DataSource, StoreFixture.NewRegistry(), cachedAggregates: 10);
        Func<int, object, int> count = (total, _) => total + 1;
        await cached.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(0)]);
        await cached.FetchForWritingAsync(stream, 0, count);
        Task<AppendResult> pending = null!;
        Task confirming = null!;
        await WhileCommitSlotsAreHeldAsync(cached, async () =>
        {
            var before = await cached.FetchForWritingAsync(stream, 0, count);
            pending = cached.AppendAsync([new StreamAppend(stream, "thing", before.Expected, [new Counted(1)])]);
            var onIt = await cached.FetchForWritingAsync(stream, 0, count);
            confirming = cached.CheckVersionsAsync(new Dictionary<string, ExpectedVersion> { [stream] = onIt.Expected });
            confirming.IsCompleted.ShouldBeFalse("it waits for the append it was decided on");
        });

        await pending;
        await confirming;
    }

    [Fact]
    public async Task Callers_of_a_group_that_append_again_at_once_commit_in_the_next_group()
    {
        // A member's caller resumes on the committer's thread: its next append must queue behind
        // the group, not wait for a committer that is busy answering the group.
        var streams = Enumerable.Range(0, 10).Select(_ => NewStream()).ToList();
        List<Task<(AppendResult First, AppendResult Second)>> callers = [];
        await WhileCommitSlotsAreHeldAsync(() =>
        {
            callers.AddRange(streams.Select(async (stream, i) =>
            {
                var first = await _store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(i)]);
                var second = await _store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(first.VersionOf(stream)), [new Counted(-i)]);
                return (first, second);
            }));
            return Task.CompletedTask;
        });

        var results = await Task.WhenAll(callers).WaitAsync(Eventually.Timeout);

        results.Select(r => r.First.LastPosition.TransactionId).Distinct().ShouldHaveSingleItem("the first appends were one group");
        results.ShouldAllBe(r => r.Second.LastPosition > r.First.LastPosition);
        foreach (var (stream, i) in streams.Select((stream, i) => (stream, i)))
            (await _store.ReadStreamAsync(stream)).Select(e => ((Counted)e.Data!).Number).ShouldBe([i, -i]);
    }

    [Fact]
    public async Task An_append_whose_caller_gives_up_while_it_waits_leaves_the_queue_and_is_never_written()
    {
        var stream = NewStream();
        using var giveUp = new CancellationTokenSource();
        Task<AppendResult>? abandoned = null;
        await WhileCommitSlotsAreHeldAsync(async () =>
        {
            abandoned = _store.AppendAsync([new StreamAppend(stream, "thing", ExpectedVersion.NoStream, [new Counted(1)])], null, null, giveUp.Token);
            await giveUp.CancelAsync();
            // Answered while the slots are still held: it no longer waits for them.
            await Should.ThrowAsync<OperationCanceledException>(abandoned.WaitAsync(Eventually.Timeout));
        });

        (await _store.ReadStreamAsync(stream)).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_append_whose_caller_gives_up_once_it_is_committing_commits_and_is_answered()
    {
        var stream = NewStream();
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        using var giveUp = new CancellationTokenSource();
        Task<AppendResult> committing;
        await using (var connection = await fixture.DataSource.OpenConnectionAsync())
        {
            await Advisory(connection, "pg_advisory_lock", key);
            // A lone append: its transaction runs at once, and waits inside the server on the lock.
            committing = _store.AppendAsync([new StreamAppend(stream, "thing", ExpectedVersion.NoStream, [new Counted(1)])], null,
                () => [new NpgsqlBatchCommand($"select pg_advisory_xact_lock({key})")], giveUp.Token);
            await Eventually.WaitUntilAsync(async () => await Sql.LockWaitersAsync(fixture.DataSource) >= 1, "the append waits on the lock");
            await giveUp.CancelAsync();
            await Advisory(connection, "pg_advisory_unlock", key);
        }

        var result = await committing.WaitAsync(Eventually.Timeout);

        result.VersionOf(stream).ShouldBe(1);
        (await _store.ReadStreamAsync(stream)).Single().Data.ShouldBe(new Counted(1));
    }

    /// <summary>
    /// Holds every commit slot with appends blocked on an advisory lock, runs <paramref name="meanwhile"/>
    /// (whose appends must wait), then <paramref name="beforeRelease"/>, then lets everything commit.
    /// </summary>
    private Task WhileCommitSlotsAreHeldAsync(Func<Task> meanwhile) => WhileCommitSlotsAreHeldAsync(_store, meanwhile);

    private async Task WhileCommitSlotsAreHeldAsync(EventStore store, Func<Task> meanwhile, Func<Task>? beforeRelease = null)
    {
        var key = Random.Shared.NextInt64(1, long.MaxValue);
        Task<AppendResult>[] holders;
        await using (var connection = await fixture.DataSource.OpenConnectionAsync())
        {
            await Advisory(connection, "pg_advisory_lock", key);
            holders = Enumerable.Range(0, EventStore.MaxConcurrentCommits)
                .Select(_ => store.AppendAsync(
                    [new StreamAppend(NewStream(), "thing", ExpectedVersion.NoStream, [new Happened("holder")])], null,
                    () => [new NpgsqlBatchCommand($"select pg_advisory_xact_lock({key})")]))
                .ToArray();
            await Eventually.WaitUntilAsync(async () => await Sql.LockWaitersAsync(fixture.DataSource) >= EventStore.MaxConcurrentCommits, "the holders wait on the lock");
            await meanwhile();
            if (beforeRelease is not null) await beforeRelease();
            await Advisory(connection, "pg_advisory_unlock", key);
        }
        await Task.WhenAll(holders);
    }

    private static async Task Advisory(NpgsqlConnection connection, string function, long key)
    {
        await using var command = new NpgsqlCommand($"select {function}($1)", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        await command.ExecuteScalarAsync();
    }
}
