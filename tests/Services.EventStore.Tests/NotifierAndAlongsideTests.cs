using System.Globalization;
using Npgsql;
using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests;

public sealed class NotifierTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Changed_taken_before_an_append_completes_after_it()
    {
        var changed = fixture.Store.Notifier.Changed;
        changed.IsCompleted.ShouldBeFalse();

        await fixture.Store.AppendAsync($"notify-{Guid.NewGuid():N}", "thing", ExpectedVersion.NoStream, [new Happened("a")]);

        await changed.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_wait_ends_quietly_at_its_timeout_and_throws_when_cancelled()
    {
        var never = new TaskCompletionSource().Task;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        await FeedNotifier.WaitAsync(never, TimeSpan.FromMilliseconds(20), CancellationToken.None);
        // Timers may fire a little early (their resolution), never long before.
        waited.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(15));

        using var cancelled = new CancellationTokenSource();
        var waiting = FeedNotifier.WaitAsync(never, Patience, cancelled.Token);
        await cancelled.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(waiting);
    }

    [Fact]
    public async Task Another_node_listening_is_woken_by_an_append()
    {
        await using var otherSource = EventStoreDataSource.Create(fixture.ConnectionString, "other-node");
        await using var otherNode = new EventStore(otherSource, StoreFixture.NewRegistry());
        var listening = otherNode.Notifier.Changed;
        otherNode.Notifier.StartListening();
        await listening.WaitAsync(Patience); // the listener wakes readers once when its LISTEN is in place

        var changed = otherNode.Notifier.Changed;
        await fixture.Store.AppendAsync($"notify-{Guid.NewGuid():N}", "thing", ExpectedVersion.NoStream, [new Happened("a")]);

        await changed.WaitAsync(Patience);
    }
}

/// <summary>
/// Which transaction announces a commit to other nodes. A database of its own: nothing but each
/// test's own store notifies while it listens.
/// </summary>
public sealed class CarriedNotifyTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static string Xid(AppendResult result) => result.LastPosition.TransactionId.ToString(CultureInfo.InvariantCulture);

    private static Task<AppendResult> AppendAsync(EventStore node) =>
        node.AppendAsync($"notify-{Guid.NewGuid():N}", "thing", ExpectedVersion.NoStream, [new Happened("a")]);

    [Fact]
    public async Task An_append_whose_turn_has_come_carries_the_notify_in_its_own_transaction()
    {
        await using var listener = await Listener.StartAsync(fixture.ConnectionString);
        await using var node = new EventStore(fixture.DataSource, StoreFixture.NewRegistry()); // nothing notified yet: its turn has come

        var result = await AppendAsync(node);

        // Sent alone, the NOTIFY would come from a transaction of its own, with an empty payload.
        (await listener.NextAsync(Patience)).ShouldBe(Xid(result));
    }

    [Fact]
    public async Task A_commit_that_carried_no_notify_is_announced_alone()
    {
        await using var listener = await Listener.StartAsync(fixture.ConnectionString);
        await using var node = new EventStore(fixture.DataSource, StoreFixture.NewRegistry());
        var first = await AppendAsync(node);
        (await listener.NextAsync(Patience)).ShouldBe(Xid(first));
        node.Notifier.TakeTurn(); // the turn is taken now, whatever the clock says

        var second = await AppendAsync(node);

        // Alone, unless the machine stalled a whole interval and the append carried it after all.
        (await listener.NextAsync(Patience)).ShouldBeOneOf("", Xid(second));
    }

    [Fact]
    public async Task A_store_closing_announces_its_last_commits()
    {
        await using var listener = await Listener.StartAsync(fixture.ConnectionString);
        var node = new EventStore(fixture.DataSource, StoreFixture.NewRegistry());
        var first = await AppendAsync(node);
        (await listener.NextAsync(Patience)).ShouldBe(Xid(first));
        node.Notifier.TakeTurn();
        var second = await AppendAsync(node);

        await node.DisposeAsync();

        (await listener.NextAsync(Patience)).ShouldBeOneOf("", Xid(second));
    }

    /// <summary>A session listening to the store's channel, as another node's would.</summary>
    private sealed class Listener : IAsyncDisposable
    {
        private readonly NpgsqlConnection _connection;
        private readonly Queue<string> _payloads = new();

        private Listener(NpgsqlConnection connection)
        {
            _connection = connection;
            _connection.Notification += (_, e) => _payloads.Enqueue(e.Payload);
        }

        public static async Task<Listener> StartAsync(string connectionString)
        {
            var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var listen = new NpgsqlCommand($"listen {FeedNotifier.Channel}", connection);
            await listen.ExecuteNonQueryAsync();
            return new Listener(connection);
        }

        /// <summary>The payload of the next notification.</summary>
        public async Task<string> NextAsync(TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience;
            while (_payloads.Count == 0)
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || !await _connection.WaitAsync(left)) throw new TimeoutException($"No notification within {patience}.");
            }
            return _payloads.Dequeue();
        }

        public ValueTask DisposeAsync() => _connection.DisposeAsync();
    }
}

public sealed class ListenerCleanupTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task A_stopped_listener_leaves_no_pooled_connection_listening()
    {
        await using var source = EventStoreDataSource.Create(fixture.ConnectionString, "stopping-node");
        var node = new EventStore(source, StoreFixture.NewRegistry());
        var listening = node.Notifier.Changed;
        node.Notifier.StartListening();
        await listening.WaitAsync(TimeSpan.FromSeconds(10));
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from pg_stat_activity where application_name = 'stopping-node'")).ShouldBe(1);

        await node.DisposeAsync();

        // Pooled connections are not reset on close: the listener's must have stopped listening itself.
        await using var pooled = await source.OpenConnectionAsync();
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from pg_stat_activity where application_name = 'stopping-node'")).ShouldBe(1, "the listener's connection was reused");
        await using var channels = new NpgsqlCommand("select count(*) from pg_listening_channels()", pooled);
        ((long)(await channels.ExecuteScalarAsync())!).ShouldBe(0);
    }
}

public sealed class AlongsideTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private async Task EnsureTableAsync()
    {
        await using var command = fixture.DataSource.CreateCommand("create table if not exists alongside_rows (id uuid primary key, stream_id text not null)");
        await command.ExecuteNonQueryAsync();
    }

    private static NpgsqlBatchCommand InsertRow(Guid id, string stream)
    {
        var command = new NpgsqlBatchCommand("insert into alongside_rows (id, stream_id) values ($1, $2)");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = stream });
        return command;
    }

    [Fact]
    public async Task Commands_alongside_an_append_commit_with_its_events()
    {
        await EnsureTableAsync();
        var stream = $"alongside-{Guid.NewGuid():N}";
        var row = Guid.NewGuid();

        var result = await fixture.Store.AppendAsync(
            [new StreamAppend(stream, "thing", ExpectedVersion.NoStream, [new Happened("a")])], null, () => [InsertRow(row, stream)]);

        result.VersionOf(stream).ShouldBe(1);
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from alongside_rows where id = $1 and stream_id = $2", row, stream)).ShouldBe(1);
        (await fixture.Store.ReadStreamAsync(stream)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_failing_command_alongside_rolls_the_events_back()
    {
        await EnsureTableAsync();
        var stream = $"alongside-{Guid.NewGuid():N}";
        var taken = Guid.NewGuid();
        await using (var insert = fixture.DataSource.CreateCommand("insert into alongside_rows (id, stream_id) values ($1, 'before')"))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = taken });
            await insert.ExecuteNonQueryAsync();
        }
        var fresh = Guid.NewGuid();

        var failure = await Should.ThrowAsync<PostgresException>(() => fixture.Store.AppendAsync(
            [new StreamAppend(stream, "thing", ExpectedVersion.NoStream, [new Happened("a")])], null, () => [InsertRow(fresh, stream), InsertRow(taken, stream)]));

        failure.SqlState.ShouldBe(PostgresErrorCodes.UniqueViolation);
        (await fixture.Store.ReadStreamAsync(stream)).ShouldBeEmpty();
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from es_events where stream_id = $1", stream)).ShouldBe(0);
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from alongside_rows where stream_id = $1", stream)).ShouldBe(0);
        // And the version conflict still wins over the commands alongside: they do not run for a refused append.
        await Should.ThrowAsync<StreamVersionConflictException>(() => fixture.Store.AppendAsync(
            [new StreamAppend(stream, "thing", ExpectedVersion.Exactly(3), [new Happened("a")])], null, () => [InsertRow(fresh, stream)]));
        (await Sql.CountAsync(fixture.DataSource, "select count(*) from alongside_rows where stream_id = $1", stream)).ShouldBe(0);
    }
}
