using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Polly;
using Polly.Retry;
using Services.EventStore.Migrations;

namespace Services.EventStore;

/// <summary>
/// Event streams in PostgreSQL: append with an expected version (one or several streams in one
/// transaction, one round trip), read a stream, fold it, and read the global feed in commit order.
/// </summary>
public sealed class EventStore : IAsyncDisposable
{
    public const int MaxStreamIdLength = 200;
    private const string ConflictSqlState = "ES409";
    private const string UniqueViolation = "23505";
    private const string NotifyQueueFull = "54000";
    private const string StreamVersionKey = "es_events_stream_version_key";

    // One append transaction in flight per store: whatever arrives meanwhile forms the next group.
    // With 8 writers, one committer made groups of ~7 and the cheapest appends; two or more split
    // the waiting appends into smaller groups and cost more than their overlap gained (BENCHMARKS.md).
    internal const int MaxConcurrentCommits = 1;
    private const int MaxGroupSize = 64;
    private static readonly TimeSpan UnansweredAttemptEndTimeout = TimeSpan.FromSeconds(5);

    private readonly NpgsqlDataSource _dataSource;
    private readonly EventTypeRegistry _registry;
    private readonly ResiliencePipeline<AppendResult> _retry;
    private readonly FeedNotifier _notifier;
    private readonly GroupCommit _groupCommit;
    private readonly AggregateCache? _aggregates;
    private readonly Func<EventMetadata, IEnumerable<NpgsqlBatchCommand>>? _withEveryAppend;

    /// <param name="withEveryAppend">
    /// Rows the host commits with every append, given its metadata (e.g. reserving the request's
    /// idempotency key), so that they exist exactly when the events do.
    /// </param>
    /// <param name="cachedAggregates">
    /// How many folded streams <see cref="AggregateStreamAsync"/> keeps (0: none). Only for
    /// immutable states and pure folds; a fold is cached per stream and evolve delegate.
    /// </param>
    public EventStore(NpgsqlDataSource dataSource, EventTypeRegistry registry, Func<EventMetadata, IEnumerable<NpgsqlBatchCommand>>? withEveryAppend = null, int cachedAggregates = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cachedAggregates);
        _aggregates = cachedAggregates > 0 ? new AggregateCache(cachedAggregates) : null;
        _dataSource = dataSource;
        _registry = registry;
        _withEveryAppend = withEveryAppend;
        _notifier = new FeedNotifier(dataSource);
        _groupCommit = new GroupCommit(CommitGroupAsync, MaxConcurrentCommits, MaxGroupSize);
        // Typed to the append's result: an untyped pipeline bridges every call through two more
        // asynchronous layers, on a lone writer's path between two appends.
        _retry = new ResiliencePipelineBuilder<AppendResult>()
            .AddRetry(new RetryStrategyOptions<AppendResult>
            {
                // Transient faults only; a version conflict is an answer, not a fault.
                ShouldHandle = new PredicateBuilder<AppendResult>().Handle<NpgsqlException>(IsRetryable),
                MaxRetryAttempts = 3,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(50),
            })
            .Build();
    }

    public NpgsqlDataSource DataSource => _dataSource;

    public EventTypeRegistry Registry => _registry;

    /// <summary>Wakes in-process feed readers at once and other nodes through LISTEN/NOTIFY.</summary>
    public FeedNotifier Notifier => _notifier;

    public Task MigrateAsync(CancellationToken cancellationToken = default) =>
        SchemaMigrator.ApplyAsync(_dataSource, "event-store", typeof(EventStore).Assembly, "Services.EventStore.Migrations.", cancellationToken);

    public Task<AppendResult> AppendAsync(string streamId, string streamType, ExpectedVersion expected, IReadOnlyList<object> events, EventMetadata? metadata = null, CancellationToken cancellationToken = default) =>
        AppendAsync([new StreamAppend(streamId, streamType, expected, events)], metadata, cancellationToken);

    /// <summary>
    /// Appends to every stream in one transaction: either all of them move to their new versions
    /// or nothing is written. Throws <see cref="StreamVersionConflictException"/> for the first
    /// stream found at another version than expected.
    /// </summary>
    public Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> appends, EventMetadata? metadata = null, CancellationToken cancellationToken = default) =>
        AppendAsync(appends, metadata, alongside: null, cancellationToken);

    /// <summary>
    /// Appends, and runs the commands <paramref name="alongside"/> creates in the same transaction
    /// (rows that must exist exactly when the events do). It is called again on each attempt.
    /// </summary>
    /// <remarks>
    /// The append is queued before this method returns its task: from then on, a later append to
    /// any of its streams commits after it (in the same transaction or a later one), and
    /// <see cref="FetchForWritingAsync"/> folds its events in. A decision may so build on an append
    /// still committing; if that append fails, the later one fails on its expected version.
    /// </remarks>
    public async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> appends, EventMetadata? metadata, Func<IEnumerable<NpgsqlBatchCommand>>? alongside, CancellationToken cancellationToken = default)
    {
        metadata ??= EventMetadata.None;
        var prepared = PreparedAppend.Create(appends, metadata, _registry);
        cancellationToken.ThrowIfCancellationRequested();
        if (_aggregates is not null)
        {
            foreach (var stream in prepared.Streams.Where(s => !s.IsCheck))
            {
                if (stream.Expected == ExpectedVersion.Any) _aggregates.Forget(stream.StreamId);
                else _aggregates.Advance(stream.StreamId, stream.Expected, stream.Events, stream.EventIds[^1]);
            }
        }
        try
        {
            return await _groupCommit.AppendAsync(new PendingAppend(prepared, metadata, alongside, cancellationToken));
        }
        catch
        {
            // Not committed (or, after a lost connection, not known to be): its events leave the
            // cache, and so does a state another writer had moved past. Folded again next time.
            foreach (var stream in prepared.Streams) _aggregates?.Forget(stream.StreamId);
            throw;
        }
    }

    private async Task CommitGroupAsync(IReadOnlyList<PendingAppend> group)
    {
        if (group.Count == 1)
        {
            await CommitAloneAsync(group[0], mayHaveCommitted: false);
            return;
        }
        AppendResult[] results;
        bool announced;
        try
        {
            (results, announced) = await CommitOnceAsync(group, CancellationToken.None);
        }
#pragma warning disable CA1031 // Whatever failed, each member gets its own answer, alone.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // A statement of the group failed: nothing of it was written. Anything else (a broken
            // connection, the server going away during the commit): each member first looks whether it was.
            var mayHaveCommitted = !ProvesNothingCommitted(ex);
            // In arrival order: an append may have been decided on the events of one before it.
            foreach (var append in group) await CommitAloneAsync(append, mayHaveCommitted);
            return;
        }
        // Every member's state first: a member's caller resumes as soon as it is answered (PendingAppend),
        // and its next decision may read any stream of the group.
        for (var i = 0; i < group.Count; i++) Remember(group[i], results[i]);
        _notifier.Pulse(announced);
        for (var i = 0; i < group.Count; i++) group[i].Succeed(results[i]);
    }

    private async Task CommitAloneAsync(PendingAppend append, bool mayHaveCommitted)
    {
        try
        {
            var attempts = mayHaveCommitted ? 1 : 0;
            var announced = false;
            var result = await _retry.ExecuteAsync(async ct =>
            {
                // An earlier attempt may have committed before its answer was lost: its events,
                // found by their ids, are the answer then, rather than writing them again. It may
                // also still be committing: then this attempt finds its stream moved (a conflict),
                // and looks again. At any version nothing would conflict: that attempt's server
                // process is ended before looking.
                var retried = attempts++ > 0;
                if (retried && append.Prepared.AtAnyVersion) await EndUnansweredAttemptAsync(append, ct);
                if (retried && await FindCommittedAsync(append.Prepared, ct) is { } committed) return committed;
                try
                {
                    (var results, announced) = await CommitOnceAsync([append], ct);
                    return results[0];
                }
                catch (StreamVersionConflictException) when (retried)
                {
                    if (await FindCommittedAsync(append.Prepared, ct) is { } committedMeanwhile) return committedMeanwhile;
                    throw;
                }
            // Not the caller's token: once taken, an append commits and gets its answer, as in a
            // group. Cancelled after the server committed, it would be reported as not written.
            }, CancellationToken.None);
            Remember(append, result);
            _notifier.Pulse(announced);
            append.Succeed(result);
        }
        catch (Exception ex)
        {
            append.Fail(ex);
        }
    }

    /// <summary>Plain folds may serve the cached states this append left once it committed.</summary>
    private void Remember(PendingAppend append, AppendResult result)
    {
        if (_aggregates is null) return;
        foreach (var stream in append.Prepared.Streams.Where(s => !s.IsCheck))
            _aggregates.Committed(stream.StreamId, result.VersionOf(stream.StreamId), stream.EventIds[^1]);
    }

    /// <summary>
    /// One transaction for the whole group: its appends in arrival order (a member may be decided on
    /// an earlier one's queued events: its events must follow them in the feed, as they would in a
    /// transaction of their own), their streams locked first in stream order (one global order, so
    /// that two transactions cannot deadlock), as one statement unless a member appends at any version,
    /// then each member's rows alongside, and the NOTIFY to other nodes when its turn has come
    /// (<see cref="FeedNotifier"/>) and <paramref name="mayNotify"/>; true with the results when the transaction carried it.
    /// </summary>
    private async Task<(AppendResult[] Results, bool Announced)> CommitOnceAsync(IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken, bool mayNotify = true)
    {
        var streams = group
            .SelectMany((append, member) => append.Prepared.Streams.Select(stream => (Stream: stream, Member: member)))
            .ToList();
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // A batch runs in one implicit transaction: a failure in any statement rolls back all of them.
        await using var batch = new NpgsqlBatch(connection);
        var statements = AppendStatements.For(streams);
        statements.AddTo(batch);
        foreach (var append in group)
        {
            foreach (var command in append.Alongside?.Invoke() ?? []) batch.BatchCommands.Add(command);
            foreach (var command in _withEveryAppend?.Invoke(append.Metadata) ?? []) batch.BatchCommands.Add(command);
        }
        var announced = mayNotify && _notifier.TakeTurn();
        if (announced) batch.BatchCommands.Add(FeedNotifier.NotifyCommand());
        var versions = group.Select(append => new Dictionary<string, long>(append.Prepared.Streams.Count, StringComparer.Ordinal)).ToArray();
        var last = new FeedPosition[group.Count];
        // Read now: a broken connection no longer tells which server process had the batch.
        var backend = connection.ProcessID;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await statements.ReadAsync(reader, versions, last, cancellationToken);
            // Reading every result surfaces a failure of any command alongside.
            while (await reader.NextResultAsync(cancellationToken)) { }
        }
        catch (PostgresException ex) when (announced && ex.SqlState == NotifyQueueFull)
        {
            // A listener far behind filled PostgreSQL's queue (the commit failed, nothing was
            // written): the events matter more than waking other nodes, who also poll.
            return await CommitOnceAsync(group, cancellationToken, mayNotify: false);
        }
        catch (PostgresException ex) when (ex.SqlState == ConflictSqlState)
        {
            throw ToConflict(ex, group);
        }
        catch (PostgresException ex) when (ex is { SqlState: UniqueViolation, ConstraintName: StreamVersionKey })
        {
            throw (Exception?)await ConflictAheadAsync(connection, group, cancellationToken) ?? ex;
        }
        // Only a connection that broke leaves its process unanswered: a timeout cancels the statement on a sound
        // connection, back in the pool by the retry, where ending its process would fail whoever holds it then.
        catch (Exception ex) when (!ProvesNothingCommitted(ex) && connection.FullState.HasFlag(System.Data.ConnectionState.Broken))
        {
            foreach (var append in group) append.UnansweredBackend = backend;
            throw;
        }
        return (group.Select((_, member) => new AppendResult(versions[member], last[member])).ToArray(), announced);
    }

    /// <summary>
    /// Ends the server process that an attempt went unanswered on, if it still runs (the batch may be
    /// waiting there for a lock, to commit later). An append at any version has no expected version
    /// that a second copy of its events would collide with: only once that process has ended is
    /// what <see cref="FindCommittedAsync"/> finds all that attempt will ever have written. Cheaper
    /// than a unique index on event ids, which every append would pay for; appends at known versions
    /// need neither (the version index turns a second copy into a conflict, and the retry looks again).
    /// The process is named by its id, its database and role: an id is reused only once the
    /// server's host has gone through its whole range of process ids, not within a retry's delay.
    /// </summary>
    private async Task EndUnansweredAttemptAsync(PendingAppend append, CancellationToken cancellationToken)
    {
        if (append.UnansweredBackend == 0) return;
        await using var command = _dataSource.CreateCommand(
            "select pg_terminate_backend(pid, $2) from pg_stat_activity where pid = $1 and pid <> pg_backend_pid() and datname = current_database() and usename = current_user");
        command.Parameters.Add(new NpgsqlParameter { Value = append.UnansweredBackend });
        command.Parameters.Add(new NpgsqlParameter { Value = (long)UnansweredAttemptEndTimeout.TotalMilliseconds });
        // No row: it had ended already. False: it still runs, and may still commit.
        if (await command.ExecuteScalarAsync(cancellationToken) is false)
        {
            throw new TimeoutException(
                $"The outcome of an append at any version is unknown: the server process {append.UnansweredBackend} that an earlier attempt went to "
                + $"did not end within {UnansweredAttemptEndTimeout.TotalSeconds:0} s and may still commit it. Read the stream before appending again.");
        }
        append.UnansweredBackend = 0;
    }

    private async Task<AppendResult?> FindCommittedAsync(PreparedAppend prepared, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "select stream_id, max(stream_version), (array_agg(transaction_id))[1], max(global_position) from es_events where stream_id = any($1) and event_id = any($2) group by stream_id");
        command.Parameters.Add(new NpgsqlParameter { Value = prepared.Streams.Select(s => s.StreamId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { Value = prepared.AllEventIds });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        var last = FeedPosition.Start;
        while (await reader.ReadAsync(cancellationToken))
        {
            versions[reader.GetString(0)] = reader.GetInt64(1);
            // All events of one append share one transaction.
            var position = new FeedPosition(reader.GetFieldValue<ulong>(2), reader.GetInt64(3));
            if (position > last) last = position;
        }
        var appended = prepared.Streams.Where(s => !s.IsCheck).ToList();
        if (versions.Count != appended.Count) return null;
        foreach (var check in prepared.Streams.Where(s => s.IsCheck)) versions[check.StreamId] = check.Expected.Value;
        return new AppendResult(versions, last);
    }

    /// <summary>Events of one stream from <paramref name="fromVersion"/> (1 is the first event), in order.</summary>
    public async Task<IReadOnlyList<RecordedEvent>> ReadStreamAsync(string streamId, long fromVersion = 1, CancellationToken cancellationToken = default)
    {
        StreamIds.Validate(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(fromVersion);
        await using var command = _dataSource.CreateCommand(
            $"select {EventRows.Columns} from es_events where stream_id = $1 and stream_version >= $2 order by stream_version");
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        command.Parameters.Add(new NpgsqlParameter { Value = fromVersion });
        return await EventRows.ReadAllAsync(command, _registry, cancellationToken);
    }

    /// <summary>
    /// Folds a stream into a state, Marten's <c>AggregateStreamAsync</c> for deciders. With an
    /// aggregate cache (see the constructor), only the events appended since the last fold are read.
    /// </summary>
    public async Task<Aggregated<TState>> AggregateStreamAsync<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, CancellationToken cancellationToken = default)
    {
        var folded = await FoldAsync(streamId, initial, evolve, cancellationToken);
        return new Aggregated<TState>(folded.State, folded.Version);
    }

    /// <summary>
    /// Folds a stream for a decision to be appended with <see cref="FetchedStream{TState}.Expected"/>
    /// (Marten's <c>FetchForWriting</c>): from the aggregate cache without reading, when this store
    /// folded or appended it last, including appends still committing (see
    /// <see cref="AppendAsync(IReadOnlyList{StreamAppend}, EventMetadata?, Func{IEnumerable{NpgsqlBatchCommand}}?, CancellationToken)"/>).
    /// Another node may have moved the stream since: the append then fails on its expected version
    /// (an unchanged stream with <see cref="StreamAppend.Unchanged"/>), and the stream is read again
    /// next time. An answer given without appending (a refusal) must first <see cref="CheckVersionsAsync"/>.
    /// </summary>
    public Task<FetchedStream<TState>> FetchForWritingAsync<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evolve);
        StreamIds.Validate(streamId);
        return _aggregates?.TryGet(streamId, initial, evolve, pending: true, out var cached) == true
            ? Task.FromResult(cached)
            : FoldAsync(streamId, initial, evolve, cancellationToken);
    }

    /// <summary>The committed fold in the cache moved forward by the events appended since, or the whole stream folded.</summary>
    private async Task<FetchedStream<TState>> FoldAsync<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(evolve);
        var folded = new FetchedStream<TState>(initial, 0, ExpectedVersion.NoStream);
        if (_aggregates?.TryGet(streamId, initial, evolve, pending: false, out var cached) == true) folded = cached;
        var events = await ReadStreamAsync(streamId, folded.Version + 1, cancellationToken);
        if (events.Count == 0) return folded;
        var state = folded.State;
        foreach (var recorded in events)
        {
            if (recorded.Data is not null) state = evolve(state, recorded.Data);
        }
        var last = events[^1];
        _aggregates?.Remember(streamId, initial, evolve, state, last.StreamVersion, last.EventId);
        return new FetchedStream<TState>(state, last.StreamVersion, ExpectedVersion.Exactly(last.StreamVersion, last.EventId));
    }

    /// <summary>
    /// Throws a <see cref="StreamVersionConflictException"/> (and forgets the cached folds) when a
    /// stream is no longer as a decision expected it; one round trip for all of them. Appends of
    /// this store still committing to these streams are waited for first: a decision taken on their
    /// events is confirmed once they have committed, not refused because they had not yet.
    /// </summary>
    public async Task CheckVersionsAsync(IReadOnlyDictionary<string, ExpectedVersion> expected, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(expected);
        if (expected.Count == 0) return;
        await _groupCommit.SettledAsync(expected.Keys.ToHashSet(StringComparer.Ordinal)).WaitAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("""
            select s.id, coalesce(e.stream_version, 0), e.event_id
            from unnest($1::text[]) s(id)
            left join lateral (select stream_version, event_id from es_events where stream_id = s.id order by stream_version desc limit 1) e on true
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = expected.Keys.ToArray() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var (streamId, actual) = (reader.GetString(0), reader.GetInt64(1));
            var wanted = expected[streamId];
            if (actual == wanted.Value && (wanted.LastEventId is null || wanted.LastEventId == reader.GetGuid(2))) continue;
            foreach (var stream in expected.Keys) _aggregates?.Forget(stream);
            throw new StreamVersionConflictException(streamId, wanted, actual);
        }
    }

    /// <summary>
    /// The next events of the global feed after <paramref name="after"/>, in commit order. Only
    /// transactions older than every running one are read, so no event can later appear behind
    /// the returned position: a reader that resumes from <see cref="FeedPage.Next"/> never skips one.
    /// </summary>
    public async Task<FeedPage> ReadFeedAsync(FeedPosition after, int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await FeedQuery.ReadPageAsync(connection, after, limit, _registry, cancellationToken);
    }

    /// <summary>
    /// Where the event that brought a stream to <paramref name="version"/> stands in the feed; the
    /// start for version 0 (no stream), null when the stream never reached that version.
    /// </summary>
    public async Task<FeedPosition?> PositionOfAsync(string streamId, long version, CancellationToken cancellationToken = default)
    {
        StreamIds.Validate(streamId);
        ArgumentOutOfRangeException.ThrowIfNegative(version);
        if (version == 0) return FeedPosition.Start;
        await using var command = _dataSource.CreateCommand("select transaction_id, global_position from es_events where stream_id = $1 and stream_version = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = streamId });
        command.Parameters.Add(new NpgsqlParameter { Value = version });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)) : null;
    }

    /// <summary>The position of the newest event a feed reader can see now.</summary>
    public async Task<FeedPosition> ReadHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await FeedQuery.ReadHeadAsync(connection, cancellationToken);
    }

    /// <summary>
    /// The position of the newest event committed so far, which a feed reader sees once every older
    /// transaction has finished (<see cref="ReadHeadAsync"/> is the newest it sees now). A reader that waits
    /// for it knows every write committed before the call, e.g. to confirm a negative answer of a read model.
    /// </summary>
    public async Task<FeedPosition> ReadLastCommittedAsync(CancellationToken cancellationToken = default)
    {
        await using var command = _dataSource.CreateCommand("select transaction_id, global_position from es_events order by transaction_id desc, global_position desc limit 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)) : FeedPosition.Start;
    }

    public ValueTask DisposeAsync() => _notifier.DisposeAsync();

    private static bool IsRetryable(NpgsqlException ex) =>
        ex.IsTransient && ex is not PostgresException { SqlState: ConflictSqlState };

    /// <summary>An error of a statement rolls the transaction back; a lost connection or a dying server leaves it unknown.</summary>
    private static bool ProvesNothingCommitted(Exception ex) =>
        ex is StreamVersionConflictException or PostgresException { InvariantSeverity: "ERROR" };

    /// <summary>
    /// A stream another append had already moved past the expected version (found by the unique
    /// version index, not by es_append's check): the first such stream, at its version now.
    /// </summary>
    private static async Task<StreamVersionConflictException?> ConflictAheadAsync(NpgsqlConnection connection, IReadOnlyList<PendingAppend> group, CancellationToken cancellationToken)
    {
        var streams = group.SelectMany(append => append.Prepared.Streams).ToList();
        await using var command = new NpgsqlCommand("select stream_id, max(stream_version) from es_events where stream_id = any($1) group by stream_id", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = streams.Select(s => s.StreamId).ToArray() });
        var actual = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) actual[reader.GetString(0)] = reader.GetInt64(1);
        }
        return streams
            .Where(s => s.Expected != ExpectedVersion.Any && actual.GetValueOrDefault(s.StreamId) != s.Expected.Value)
            .Select(s => new StreamVersionConflictException(s.StreamId, s.Expected, actual.GetValueOrDefault(s.StreamId)))
            .FirstOrDefault();
    }

    private static StreamVersionConflictException ToConflict(PostgresException ex, IReadOnlyList<PendingAppend> group)
    {
        using var detail = JsonDocument.Parse(ex.Detail ?? "{}");
        var streamId = detail.RootElement.GetProperty("stream").GetString()!;
        var actual = detail.RootElement.GetProperty("actual").GetInt64();
        var expected = group.SelectMany(append => append.Prepared.Streams).First(s => s.StreamId == streamId).Expected;
        return new StreamVersionConflictException(streamId, expected, actual);
    }
}
