using Npgsql;
using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests;

/// <summary>
/// An append whose connection breaks before its answer may have committed, or may still commit:
/// its batch can wait on the server for a stream's lock and commit once the lock is free. The store
/// under test reaches PostgreSQL through a relay that the test cuts while a session of the test holds
/// the stream's lock (0004_stream_locks.sql); the test's own sessions go straight to the server.
/// </summary>
public sealed class UnansweredAppendTests(StoreFixture fixture) : IClassFixture<StoreFixture>, IAsyncLifetime
{
    private readonly TcpRelay _relay = new();
    private NpgsqlDataSource _throughRelay = null!;
    private EventStore _store = null!;

    public Task InitializeAsync()
    {
        _relay.Open();
        _throughRelay = EventStoreDataSource.Create(_relay.Through(fixture.ConnectionString));
        _store = new EventStore(_throughRelay, StoreFixture.NewRegistry());
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _throughRelay.DisposeAsync();
        _relay.Dispose();
    }

    [Fact]
    public async Task A_retry_that_finds_its_versions_taken_by_its_own_first_attempt_answers_with_that_attempt()
    {
        var stream = await ExistingStreamAsync();
        Task<AppendResult> append;
        await using (await HoldStreamLockAsync(stream))
        {
            (append, _) = await AppendWaitingOnLockAsync(stream, ExpectedVersion.Exactly(1));
            _relay.Cut();
            await WaitForLockWaitersAsync(append, w => w.Count == 2, "the retry waits behind the first attempt, still alive on the server");
        }

        (await append).VersionOf(stream).ShouldBe(3);
        await ShouldHoldOnceAsync(stream, 0, 1, 2);
    }

    [Fact]
    public async Task Each_member_of_a_group_whose_connection_broke_is_answered_with_the_group_s_commit()
    {
        var (first, second) = (await ExistingStreamAsync(), await ExistingStreamAsync());
        Task<AppendResult> holder, one, other;
        await using (await HoldStreamLockAsync(first))
        {
            var busy = NewStream();
            await using (await HoldStreamLockAsync(busy))
            {
                // The committer is busy with the holder: the next two appends wait, then commit as one group.
                holder = _store.AppendAsync(busy, "thing", ExpectedVersion.NoStream, [new Counted(0)]);
                await WaitForLockWaitersAsync(holder, w => w.Count == 1, "the holder waits on its stream's lock");
                one = _store.AppendAsync(first, "thing", ExpectedVersion.Exactly(1), [new Counted(1), new Counted(2)]);
                other = _store.AppendAsync(second, "thing", ExpectedVersion.Exactly(1), [new Counted(1)]);
            }
            await holder;
            await WaitForLockWaitersAsync(one, w => w.Count == 1, "the group waits on the first stream's lock");
            _relay.Cut();
            await WaitForLockWaitersAsync(one, w => w.Count == 2, "the first member, alone, waits behind the group, still alive on the server");
        }

        var (oneResult, otherResult) = (await one, await other);
        oneResult.VersionOf(first).ShouldBe(3);
        otherResult.VersionOf(second).ShouldBe(2);
        oneResult.LastPosition.TransactionId.ShouldBe(otherResult.LastPosition.TransactionId, "both were written by the group's transaction");
        await ShouldHoldOnceAsync(first, 0, 1, 2);
        await ShouldHoldOnceAsync(second, 0, 1);
    }

    [Fact]
    public async Task An_append_at_any_version_whose_answer_was_lost_after_it_committed_is_answered_from_its_events_not_written_again()
    {
        var stream = await ExistingStreamAsync();
        Task<AppendResult> append;
        await using (await HoldStreamLockAsync(stream))
        {
            (append, _) = await AppendWaitingOnLockAsync(stream, ExpectedVersion.Any);
            _relay.HoldAnswers();
        }
        await Eventually.WaitUntilAsync(async () => (await fixture.Store.ReadStreamAsync(stream)).Count == 3, "the append commits, unanswered");
        _relay.Cut();

        (await append).VersionOf(stream).ShouldBe(3);
        await ShouldHoldOnceAsync(stream, 0, 1, 2);
    }

    [Fact]
    public async Task An_append_at_any_version_whose_connection_broke_while_it_waited_on_the_server_is_written_once()
    {
        var stream = await ExistingStreamAsync();
        Task<AppendResult> append;
        await using (await HoldStreamLockAsync(stream))
        {
            (append, var firstAttempt) = await AppendWaitingOnLockAsync(stream, ExpectedVersion.Any);
            _relay.Cut();
            // Whether or not the first attempt still waits too.
            await WaitForLockWaitersAsync(append, w => w.Any(pid => pid != firstAttempt), "the retry waits on the stream's lock");
        }

        (await append).VersionOf(stream).ShouldBe(3);
        await ShouldHoldOnceAsync(stream, 0, 1, 2);
    }

    [Fact]
    public async Task A_retry_after_a_command_timeout_ends_no_server_process_since_the_timeout_left_its_connection_sound()
    {
        await using var impatient = EventStoreDataSource.Create(fixture.ConnectionString + ";Command Timeout=1");
        await using var store = new EventStore(impatient, StoreFixture.NewRegistry());
        // Sound connections in the pool, one of them the timed-out attempt's once it is cancelled.
        var pooled = new List<NpgsqlConnection>();
        for (var i = 0; i < 3; i++) pooled.Add(await impatient.OpenConnectionAsync());
        var processes = pooled.Select(c => c.ProcessID).ToArray();
        foreach (var connection in pooled) await connection.DisposeAsync();
        var stream = await ExistingStreamAsync();
        Task<AppendResult> append;
        await using (await HoldStreamLockAsync(stream))
        {
            append = store.AppendAsync(stream, "thing", ExpectedVersion.Any, [new Counted(1), new Counted(2)]);
            string? first = null;
            await WaitForLockWaitersAsync(append, WaitingStatementsAsync, w => w is [var only] && (first = only) is not null, "the first attempt waits on the stream's lock");
            await WaitForLockWaitersAsync(append, WaitingStatementsAsync, w => w is [var only] && only != first, "the first attempt timed out and the retry waits in its place");
        }

        (await append).VersionOf(stream).ShouldBe(3);
        await ShouldHoldOnceAsync(stream, 0, 1, 2);
        (await Sql.ColumnAsync<int>(fixture.DataSource, "select pid from pg_stat_activity where pid = any($1) order by pid", processes))
            .ShouldBe([.. processes.Order()], "every pooled connection's process is still there");
    }

    private static string NewStream() => $"thing-{Guid.NewGuid():N}";

    /// <summary>A stream at version 1 (its event: 0), written straight to the server.</summary>
    private async Task<string> ExistingStreamAsync()
    {
        var stream = NewStream();
        await fixture.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(0)]);
        return stream;
    }

    /// <summary>A session of the test holds the lock every append to <paramref name="streamId"/> takes, until disposed.</summary>
    private async Task<IAsyncDisposable> HoldStreamLockAsync(string streamId)
    {
        var connection = await fixture.DataSource.OpenConnectionAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand("select pg_advisory_xact_lock(hashtextextended($1, 0))", connection, transaction))
        {
            take.Parameters.Add(new NpgsqlParameter { Value = streamId });
            await take.ExecuteScalarAsync();
        }
        return new HeldLock(connection, transaction);
    }

    private sealed class HeldLock(NpgsqlConnection connection, NpgsqlTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await transaction.CommitAsync();
            await transaction.DisposeAsync();
            await connection.DisposeAsync();
        }
    }

    /// <summary>
    /// Starts appending events 1 and 2 to <paramref name="streamId"/> (whose lock the test holds), and
    /// waits until the append waits on the server for that lock; returns it and its server process.
    /// </summary>
    private async Task<(Task<AppendResult> Append, int Backend)> AppendWaitingOnLockAsync(string streamId, ExpectedVersion expected)
    {
        var append = _store.AppendAsync(streamId, "thing", expected, [new Counted(1), new Counted(2)]);
        var backend = 0;
        await WaitForLockWaitersAsync(append, w => w is [var only] && (backend = only) > 0, "the append waits on the server for its stream's lock");
        return (append, backend);
    }

    /// <summary>Waits until the server processes waiting for a lock (their ids) meet <paramref name="condition"/>, or the append has its outcome.</summary>
    private Task WaitForLockWaitersAsync(Task append, Func<List<int>, bool> condition, string what) =>
        WaitForLockWaitersAsync(append, () => Sql.LockWaiterIdsAsync(fixture.DataSource), condition, what);

    /// <summary>The same, for what <paramref name="read"/> tells of them.</summary>
    private static async Task WaitForLockWaitersAsync<T>(Task append, Func<Task<List<T>>> read, Func<List<T>, bool> condition, string what) =>
        await Eventually.WaitUntilAsync(async () =>
        {
            append.IsCompleted.ShouldBeFalse($"the append ended before {what}");
            return condition(await read());
        }, what);

    /// <summary>The statements waiting for a lock, each as its process and start: a retry on the same process is another statement.</summary>
    private Task<List<string>> WaitingStatementsAsync() =>
        Sql.ColumnAsync<string>(fixture.DataSource,
            "select pid || '@' || query_start from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' order by pid");

    /// <summary>The stream holds these events, once each.</summary>
    private async Task ShouldHoldOnceAsync(string streamId, params int[] numbers)
    {
        var events = await fixture.Store.ReadStreamAsync(streamId);
        events.Select(e => ((Counted)e.Data!).Number).ShouldBe(numbers);
        events.Select(e => e.EventId).Distinct().Count().ShouldBe(numbers.Length);
    }
}
