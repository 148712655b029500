using System.Data;
using System.Diagnostics;
using System.Globalization;
using Npgsql;
using NpgsqlTypes;
using Polly;
using Polly.Retry;

namespace Services.EventStore.Projections;

/// <summary>
/// Runs one shard on this node: it holds the shard's advisory lock on its own connection for as
/// long as it runs, and commits each page with the compare-and-set of the checkpoint on it.
/// </summary>
internal sealed class ShardRunner
{
    private const int MaxErrorLength = 4000;

    private readonly ProjectionDaemon _daemon;
    private readonly IProjection _projection;
    private readonly NpgsqlConnection _connection;
    private readonly CancellationTokenSource _stop = new();
    private readonly ResiliencePipeline _transient;
    private CancellationTokenSource _wake;
    private long _pageStartedAt;
    private FeedPosition _position;
    private readonly string _initialStatus;
    private bool _rebuilding;
    private int _lastReadCount;
    private Task _loop = Task.CompletedTask;
    private volatile bool _hasStopped;

    private ShardRunner(ProjectionDaemon daemon, IProjection projection, NpgsqlConnection connection, FeedPosition position, string status)
    {
        _daemon = daemon;
        _projection = projection;
        _connection = connection;
        _position = position;
        _initialStatus = status;
        _rebuilding = status == ShardStatuses.Rebuilding;
        _wake = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        _transient = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                // Deadlocks, serialization failures: worth another try on the same connection at once.
                // Not a lock held elsewhere, nor a statement that outlasted its timeout: each try holds
                // back every shard for that long again, so those wait out of any transaction (below).
                ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(ex => ex.IsTransient && !IsLockTimeout(ex) && !IsTimeout(ex) && !IsBroken),
                MaxRetryAttempts = 4,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(50),
            })
            .Build();
    }

    public string Name => _projection.Name;

    /// <summary>Tells the projection, when it observes its shard (<see cref="IShardObserver"/>); its faults are reported, never rethrown.</summary>
    private void Observe(Action<IShardObserver> call)
    {
        if (_projection is not IShardObserver observer) return;
        try
        {
            call(observer);
        }
#pragma warning disable CA1031 // An observer's fault must not stop the shard.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _daemon.ReportError(Name, ex);
        }
    }

    /// <summary>Completes when the shard stops running (asked to, lost, failed or its connection broke).</summary>
    public Task Completion => _loop;

    /// <summary>Ends the shard's current wait (a rebuild asked for).</summary>
    /// <remarks>
    /// A token (linked to the shard's stop) rather than a task: the shard's waits then need no
    /// <c>Task.WhenAny</c> of it and the feed's signal, whose completion was the API's one managed hot
    /// spot during bookings (ops/PERFORMANCE.md, session 13). The replaced source is cancelled, not
    /// disposed: the loop may be reading its token at that moment.
    /// </remarks>
    public void Wake()
    {
        try
        {
            Interlocked.Exchange(ref _wake, CancellationTokenSource.CreateLinkedTokenSource(_stop.Token)).Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The shard has stopped: nothing waits.
        }
    }

    /// <summary>Takes the shard if no other session holds it; null when another node runs it.</summary>
    public static async Task<ShardRunner?> TryStartAsync(ProjectionDaemon daemon, IProjection projection, CancellationToken cancellationToken)
    {
        var connection = await daemon.DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using (var tryLock = new NpgsqlCommand(ProjectionSql.TryLockShard, connection))
            {
                tryLock.Parameters.Add(new NpgsqlParameter { Value = projection.Name });
                tryLock.Parameters.Add(new NpgsqlParameter { Value = ((long)daemon.Options.LockTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) });
                if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
                {
                    await connection.DisposeAsync();
                    return null;
                }
            }
            await using (var ensure = new NpgsqlCommand(ProjectionSql.EnsureCheckpoint, connection))
            {
                ensure.Parameters.Add(new NpgsqlParameter { Value = projection.Name });
                await ensure.ExecuteNonQueryAsync(cancellationToken);
            }
            FeedPosition position;
            string status;
            await using (var claim = new NpgsqlCommand(ProjectionSql.Claim, connection))
            {
                claim.Parameters.Add(new NpgsqlParameter { Value = projection.Name });
                claim.Parameters.Add(new NpgsqlParameter { Value = daemon.NodeId });
                claim.Parameters.Add(new NpgsqlParameter { Value = daemon.Options.LeaseDuration });
                await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                position = new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
                status = reader.GetString(2);
            }
            var runner = new ShardRunner(daemon, projection, connection, position, status);
            runner._loop = Task.Run(runner.RunAsync, CancellationToken.None);
            return runner;
        }
        catch
        {
            await CloseAsync(connection);
            throw;
        }
    }

    /// <summary>Stops the loop between pages, writes that this node no longer owns the shard, then unlocks it.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        if (!IsBroken)
        {
            try
            {
                await using var unclaim = new NpgsqlCommand(ProjectionSql.Unclaim, _connection);
                unclaim.Parameters.Add(new NpgsqlParameter { Value = Name });
                unclaim.Parameters.Add(new NpgsqlParameter { Value = _daemon.NodeId });
                await unclaim.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (NpgsqlException)
            {
                // The lease row is only informative; the lock is released below or with the connection.
            }
        }
        await CloseAsync(_connection);
        _wake.Dispose();
        _stop.Dispose();
        _hasStopped = true;
    }

    /// <summary>Whether <see cref="StopAsync"/> has ended: the shard is released.</summary>
    public bool HasStopped => _hasStopped;

    /// <summary>Releases every advisory lock of a connection before it goes back to the pool.</summary>
    internal static async Task CloseAsync(NpgsqlConnection connection)
    {
        var unlocked = false;
        if (!IsConnectionBroken(connection))
        {
            try
            {
                await using var unlock = new NpgsqlCommand(ProjectionSql.UnlockAll, connection) { CommandTimeout = 5 };
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
                unlocked = true;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                // Handled below.
            }
        }
        var broken = IsConnectionBroken(connection);
        await connection.DisposeAsync();
        // A pooled connection still holding a lock would keep the shard from every other node:
        // drop the idle connections so that the server ends the session and its locks.
        if (!unlocked && !broken) NpgsqlConnection.ClearPool(connection);
    }

    private bool IsBroken => IsConnectionBroken(_connection);

    private static bool IsConnectionBroken(NpgsqlConnection connection) =>
        (connection.FullState & ConnectionState.Open) == 0 || (connection.FullState & ConnectionState.Broken) != 0;

    private async Task RunAsync()
    {
        var token = _stop.Token;
        try
        {
            Observe(o => o.Running(_position));
            await LoopAsync(token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Asked to stop.
        }
#pragma warning disable CA1031 // The shard stops on any fault; the coordinator takes it again later.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // Before recording the error, which may wait on a dying connection.
            Observe(o => o.NotRunning());
            _daemon.ReportError(Name, ex);
            if (!IsBroken) await TryRecordAsync(ShardStatuses.Retrying, Describe(ex));
        }
        finally
        {
            Observe(o => o.NotRunning());
            _daemon.WakeCoordinator();
        }
    }

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        var options = _daemon.Options;
        if (_initialStatus == ShardStatuses.Failed) return;
        if (_initialStatus == ShardStatuses.RebuildRequested || _position == FeedPosition.Start)
        {
            // At the start of the feed nothing has been applied: the read model must be empty.
            var rebuild = _initialStatus is ShardStatuses.RebuildRequested or ShardStatuses.Rebuilding;
            if (!await ResetAsync(rebuild, cancellationToken)) return;
        }

        var attempts = 0;
        var locked = 0; // pages in a row that gave way to a lock held elsewhere
        var faults = 0; // failures in a row that were not the events' (the database, the read model's schema)
        var deadLetters = 0; // transactions whose events were dead-lettered in a row: one command's poison events count once
        var lastDeadLetterTransaction = 0UL;
        var isolate = 0; // after a page kept failing: events left to apply one per transaction
        // After a fault that is not the events': ten retry delays, twice as long each time, up to 32 times.
        TimeSpan LongerBackOff() => options.RetryDelay * 10 * (1 << Math.Min(faults++, 5));
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // Take the signals before reading: a commit in between cannot be missed.
            var changed = _daemon.Feed.Advanced;
            var wake = Volatile.Read(ref _wake).Token;
            var limit = isolate > 0 ? 1 : options.PageSize;
            Outcome outcome;
            var deadLettered = false;
            try
            {
                outcome = await _transient.ExecuteAsync(async ct => await ProcessPageAsync(limit, ct), cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !IsBroken)
            {
                _daemon.ReportError(Name, ex);
                if (IsLockTimeout(ex))
                {
                    // Rolled back: until it tries again, no page of this shard holds back the others. Each
                    // try holds them back again while it waits, so the tries grow apart (up to 8 timeouts).
                    await TryRecordAsync(ShardStatuses.Retrying, $"Waited over {options.LockTimeout.TotalMilliseconds:0} ms for a lock on the read model's tables: {Describe(ex)}");
                    await BackOffAsync(options.LockTimeout * (1 << Math.Min(locked++, 3)), wake, cancellationToken);
                    continue;
                }
                await TryRecordAsync(ShardStatuses.Retrying, Describe(ex));
                // A shard that keeps failing still hears of a rebuild: it may be what mends it.
                if (await RebuildAskedAsync(cancellationToken))
                {
                    if (!await ResetAsync(rebuild: true, cancellationToken)) return;
                    (attempts, faults, deadLetters, isolate) = (0, 0, 0, 0);
                    continue;
                }
                if (IsNotTheEvents(ex))
                {
                    // The database is struggling, or the read model's tables are not what its code expects:
                    // no event is to blame. Wait, longer each time, and try again, without counting.
                    await BackOffAsync(LongerBackOff(), wake, cancellationToken);
                    continue;
                }
                if (++attempts < options.MaxAttempts)
                {
                    await Task.Delay(options.RetryDelay * attempts, cancellationToken);
                    continue;
                }
                attempts = 0;
                if (limit > 1 && _lastReadCount != 1)
                {
                    // Find the culprit: apply the page's events one at a time.
                    isolate = _lastReadCount > 1 ? _lastReadCount : options.PageSize;
                    continue;
                }
                if (_rebuilding)
                {
                    await TryRecordAsync(ShardStatuses.Failed, $"Rebuild stopped at the event after {_position}: {Describe(ex)}");
                    return;
                }
                if (deadLetters >= options.MaxDeadLettersInARow)
                {
                    await TryRecordAsync(ShardStatuses.Retrying,
                        $"Events of {deadLetters} transactions in a row were dead-lettered: the fault looks like the read model's, so the event after {_position} is kept and retried. {Describe(ex)}");
                    await BackOffAsync(LongerBackOff(), wake, cancellationToken);
                    continue;
                }
                outcome = await _transient.ExecuteAsync(async ct => await DeadLetterAsync(ex, ct), cancellationToken);
                deadLettered = true;
            }
            if (outcome.Count > 0 && !deadLettered) deadLetters = 0;
            if (outcome.Count > 0 && deadLettered && _position.TransactionId != lastDeadLetterTransaction)
            {
                deadLetters++;
                lastDeadLetterTransaction = _position.TransactionId;
            }
            attempts = 0;
            faults = 0;
            locked = 0;
            if (isolate > 0 && outcome.Count > 0) isolate--;
            if (outcome.Kind == OutcomeKind.Lost) return;
            if (outcome.Kind == OutcomeKind.RebuildRequested)
            {
                if (!await ResetAsync(rebuild: true, cancellationToken)) return;
                isolate = 0;
                continue;
            }
            // A full page: more may be waiting. A short one read everything visible: caught up.
            if (outcome.Count == limit) continue;
            isolate = 0;
            if (_rebuilding)
            {
                _rebuilding = false;
                await TryRecordStatusAsync(ShardStatuses.Running);
            }
            await changed.WaitAsync(options.PollInterval, wake).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            // Under a steady stream of commits, wait a little so that the next page takes several
            // of them in one transaction, instead of one transaction per commit and shard.
            var sincePage = Stopwatch.GetElapsedTime(_pageStartedAt);
            if (sincePage < options.MinPageInterval) await Task.Delay(options.MinPageInterval - sincePage, cancellationToken);
            await GatherAsync(options, wake);
            // A rebuild asked for on another node shows in the checkpoint's status; a page's
            // checkpoint update reads it too, so only a shard with nothing to do needs to look.
            if ((wake.IsCancellationRequested || !changed.IsCompleted) && await ReadStatusAsync(cancellationToken) == ShardStatuses.RebuildRequested)
            {
                if (!await ResetAsync(rebuild: true, cancellationToken)) return;
            }
        }
    }

    /// <summary>
    /// Waits out a failing shard's back-off, or until it is woken (<paramref name="wake"/>, read before the page
    /// failed, so that a wake-up during the page counts too): a rebuild asked for meanwhile starts at once.
    /// </summary>
    private static async Task BackOffAsync(TimeSpan delay, CancellationToken wake, CancellationToken cancellationToken)
    {
        using var wokenOrStopped = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, wake);
        await Task.Delay(delay, wokenOrStopped.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>
    /// While commits keep coming, waits for <see cref="ProjectionDaemonOptions.PageTarget"/> events at the
    /// head, up to <see cref="ProjectionDaemonOptions.MaxPageInterval"/> after the last page started, or
    /// until the shard is woken (a rebuild asked for). Off the shared run (behind it, or the reader
    /// restarting) there is nothing to count: it goes at once.
    /// </summary>
    private async Task GatherAsync(ProjectionDaemonOptions options, CancellationToken wake)
    {
        var left = options.MaxPageInterval - Stopwatch.GetElapsedTime(_pageStartedAt);
        if (left <= TimeSpan.Zero) return;
        var gathered = _daemon.Feed.Gathered(_position, Math.Min(options.PageTarget, options.PageSize));
        await gathered.WaitAsync(left, wake).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task<Outcome> ProcessPageAsync(int limit, CancellationToken cancellationToken)
    {
        _lastReadCount = -1;
        var startedAt = Stopwatch.GetTimestamp();
        // At the head, the node's shared reader has the page already: nothing to read, and nothing
        // at all to do when it has nothing new.
        var events = _daemon.Feed.TryTake(_position, limit);
        if (events is { Count: 0 })
        {
            _lastReadCount = 0;
            return Outcome.Empty;
        }
        await using var transaction = await _connection.BeginTransactionAsync(cancellationToken);
        events ??= (await FeedQuery.ReadPageAsync(_connection, _position, limit, _daemon.Registry, cancellationToken, transaction)).Events;
        _lastReadCount = events.Count;
        if (events.Count == 0) return Outcome.Empty;
        // Only pages count, not looks that found nothing: on a quiet feed, a commit is applied at once.
        _pageStartedAt = startedAt;
        Observe(o => o.PageApplying(events));
        try
        {
            await _projection.ApplyAsync(events, new ProjectionContext(Name, _connection, transaction, _rebuilding), cancellationToken);
            var next = events[^1].Position;
            var status = await AdvanceAsync(transaction, next, cancellationToken);
            if (status is null)
            {
                // Another node runs the shard already.
                Observe(o => o.NotRunning());
                return Outcome.Lost;
            }
            await transaction.CommitAsync(CancellationToken.None);
            Advanced(next);
            return new Outcome(events.Count, status == ShardStatuses.RebuildRequested ? OutcomeKind.RebuildRequested : OutcomeKind.Applied);
        }
        finally
        {
            // Committed, or it will not be: until it is rolled back, its rows are invisible to other sessions.
            Observe(o => o.PageApplied(_position));
        }
    }

    /// <summary>Writes the next event to the dead letters and moves the checkpoint past it, in one transaction.</summary>
    private async Task<Outcome> DeadLetterAsync(Exception error, CancellationToken cancellationToken)
    {
        await using var transaction = await _connection.BeginTransactionAsync(cancellationToken);
        Guid eventId;
        FeedPosition position;
        await using (var next = new NpgsqlCommand(ProjectionSql.NextEventId, _connection, transaction))
        {
            next.Parameters.Add(Xid(_position.TransactionId));
            next.Parameters.Add(new NpgsqlParameter { Value = _position.GlobalPosition });
            await using var reader = await next.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken)) return Outcome.Empty;
            position = new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1));
            eventId = reader.GetGuid(2);
        }
        await using (var insert = new NpgsqlCommand(ProjectionSql.DeadLetter, _connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = Name });
            insert.Parameters.Add(new NpgsqlParameter { Value = eventId });
            insert.Parameters.Add(Xid(position.TransactionId));
            insert.Parameters.Add(new NpgsqlParameter { Value = position.GlobalPosition });
            insert.Parameters.Add(new NpgsqlParameter { Value = Truncate(error.ToString()) });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        var status = await AdvanceAsync(transaction, position, cancellationToken);
        if (status is null) return Outcome.Lost;
        await transaction.CommitAsync(CancellationToken.None);
        Advanced(position);
        await TryRecordAsync(ShardStatuses.Running, $"Dead-lettered event {eventId} at {position}: {Describe(error)}");
        return new Outcome(1, status == ShardStatuses.RebuildRequested ? OutcomeKind.RebuildRequested : OutcomeKind.Applied);
    }

    /// <summary>Truncates the read model and moves the checkpoint back to the start, in one transaction.</summary>
    private async Task<bool> ResetAsync(bool rebuild, CancellationToken cancellationToken) =>
        await _transient.ExecuteAsync(async ct =>
        {
            Observe(o => o.NotRunning());
            await using var transaction = await _connection.BeginTransactionAsync(ct);
            // Emptying the tables waits for their readers, before it takes a transaction id, so its wait holds
            // back no other shard: it waits as long as it takes rather than start again behind new readers.
            await using (var patient = new NpgsqlCommand("set local lock_timeout = 0", _connection, transaction)) await patient.ExecuteNonQueryAsync(ct);
            await _projection.ResetAsync(_connection, transaction, ct);
            await using var reset = new NpgsqlCommand(ProjectionSql.ResetCheckpoint, _connection, transaction);
            reset.Parameters.Add(new NpgsqlParameter { Value = Name });
            reset.Parameters.Add(Xid(_position.TransactionId));
            reset.Parameters.Add(new NpgsqlParameter { Value = _position.GlobalPosition });
            reset.Parameters.Add(new NpgsqlParameter { Value = rebuild ? ShardStatuses.Rebuilding : ShardStatuses.Running });
            reset.Parameters.Add(new NpgsqlParameter { Value = _daemon.NodeId });
            reset.Parameters.Add(new NpgsqlParameter { Value = _daemon.Options.LeaseDuration });
            if (await reset.ExecuteScalarAsync(ct) is null) return false;
            await using (var clear = new NpgsqlCommand(ProjectionSql.ClearDeadLetters, _connection, transaction))
            {
                clear.Parameters.Add(new NpgsqlParameter { Value = Name });
                await clear.ExecuteNonQueryAsync(ct);
            }
            await transaction.CommitAsync(CancellationToken.None);
            _rebuilding = rebuild;
            Advanced(FeedPosition.Start);
            Observe(o => o.Running(FeedPosition.Start));
            return true;
        }, cancellationToken);

    /// <summary>
    /// The compare-and-set of the checkpoint; null when another node moved it. The page's transaction
    /// then commits without waiting for its WAL flush (synchronous_commit off for this transaction
    /// only, sent with the compare-and-set: no extra round trip). Exactly-once still holds: the
    /// read-model rows (or dead letter) and the checkpoint commit or vanish together, so a page lost
    /// in a server crash left its checkpoint behind too and is simply applied again from the events,
    /// which are committed durably. Any later synchronous commit (an append, an outbox relay's claim)
    /// flushes the WAL up to it as well. Appends and every other transaction keep full durability.
    /// </summary>
    private async Task<string?> AdvanceAsync(NpgsqlTransaction transaction, FeedPosition next, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(_connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("set local synchronous_commit = off"));
        var advance = new NpgsqlBatchCommand(ProjectionSql.AdvanceCheckpoint);
        batch.BatchCommands.Add(advance);
        advance.Parameters.Add(new NpgsqlParameter { Value = Name });
        advance.Parameters.Add(Xid(_position.TransactionId));
        advance.Parameters.Add(new NpgsqlParameter { Value = _position.GlobalPosition });
        advance.Parameters.Add(Xid(next.TransactionId));
        advance.Parameters.Add(new NpgsqlParameter { Value = next.GlobalPosition });
        advance.Parameters.Add(new NpgsqlParameter { Value = _rebuilding ? ShardStatuses.Rebuilding : ShardStatuses.Running });
        advance.Parameters.Add(new NpgsqlParameter { Value = _daemon.NodeId });
        advance.Parameters.Add(new NpgsqlParameter { Value = _daemon.Options.LeaseDuration });
        return (string?)await batch.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>Whether a rebuild was asked for; false when that cannot be read now (the loop's next failure asks again).</summary>
    private async Task<bool> RebuildAskedAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await ReadStatusAsync(cancellationToken) == ShardStatuses.RebuildRequested;
        }
        catch (NpgsqlException)
        {
            return false;
        }
    }

    private async Task<string?> ReadStatusAsync(CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand(ProjectionSql.ReadStatus, _connection);
        read.Parameters.Add(new NpgsqlParameter { Value = Name });
        return (string?)await read.ExecuteScalarAsync(cancellationToken);
    }

    private void Advanced(FeedPosition position)
    {
        _position = position;
        _daemon.SignalProgress();
    }

    private async Task TryRecordAsync(string status, string error)
    {
        // A rebuild that meets an error is still a rebuild, for whichever node runs it next.
        if (status == ShardStatuses.Retrying && _rebuilding) status = ShardStatuses.Rebuilding;
        try
        {
            await using var record = new NpgsqlCommand(ProjectionSql.RecordError, _connection);
            record.Parameters.Add(new NpgsqlParameter { Value = Name });
            record.Parameters.Add(new NpgsqlParameter { Value = _daemon.NodeId });
            record.Parameters.Add(new NpgsqlParameter { Value = status });
            record.Parameters.Add(new NpgsqlParameter { Value = Truncate(error) });
            await record.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // Reporting is best effort; the loop decides what happens next.
        }
    }

    private async Task TryRecordStatusAsync(string status)
    {
        try
        {
            await using var record = new NpgsqlCommand(ProjectionSql.SetStatus, _connection);
            record.Parameters.Add(new NpgsqlParameter { Value = Name });
            record.Parameters.Add(new NpgsqlParameter { Value = _daemon.NodeId });
            record.Parameters.Add(new NpgsqlParameter { Value = status });
            await record.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // Best effort, as above.
        }
    }

    internal static NpgsqlParameter Xid(ulong value) => new() { Value = value, NpgsqlDbType = NpgsqlDbType.Xid8 };

    private static bool IsLockTimeout(Exception ex) => ex is PostgresException { SqlState: PostgresErrorCodes.LockNotAvailable };

    /// <summary>A statement that outlasted the command timeout (Npgsql cancels it): the page may be too slow, or the database.</summary>
    private static bool IsTimeout(Exception ex) => ex is NpgsqlException { InnerException: TimeoutException } or PostgresException { SqlState: PostgresErrorCodes.QueryCanceled };

    /// <summary>
    /// Faults no event causes: the database failing over or short of resources (transient, but for a
    /// timeout, which a slow event's page may cause), and tables, columns or rights missing (class 42:
    /// the read model's schema is not what its code expects, e.g. a node on old code after a migration).
    /// </summary>
    private static bool IsNotTheEvents(Exception ex) =>
        ex is NpgsqlException { IsTransient: true } && !IsTimeout(ex)
        || ex is PostgresException { SqlState: ['4', '2', ..] or ['5', '3', ..] or ['5', '8', ..] };

    private static string Describe(Exception ex) => $"{ex.GetType().Name}: {ex.Message}";

    private static string Truncate(string text) => text.Length <= MaxErrorLength ? text : text[..MaxErrorLength];

    private enum OutcomeKind { Applied, Lost, RebuildRequested }

    private readonly record struct Outcome(int Count, OutcomeKind Kind)
    {
        public static Outcome Empty => new(0, OutcomeKind.Applied);
        public static Outcome Lost => new(0, OutcomeKind.Lost);
    }
}
