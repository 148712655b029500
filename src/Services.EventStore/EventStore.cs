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

    private readonly NpgsqlDataSource _dataSource;
    private readonly EventTypeRegistry _registry;
    private readonly ResiliencePipeline _retry;
    private readonly FeedNotifier _notifier;
    private readonly Func<EventMetadata, IEnumerable<NpgsqlBatchCommand>>? _withEveryAppend;

    /// <param name="withEveryAppend">
    /// Rows the host commits with every append, given its metadata (e.g. reserving the request's
    /// idempotency key), so that they exist exactly when the events do.
    /// </param>
    public EventStore(NpgsqlDataSource dataSource, EventTypeRegistry registry, Func<EventMetadata, IEnumerable<NpgsqlBatchCommand>>? withEveryAppend = null)
    {
        _dataSource = dataSource;
        _registry = registry;
        _withEveryAppend = withEveryAppend;
        _notifier = new FeedNotifier(dataSource);
        _retry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                // Transient faults only; a version conflict is an answer, not a fault.
                ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(IsRetryable),
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
    public async Task<AppendResult> AppendAsync(IReadOnlyList<StreamAppend> appends, EventMetadata? metadata, Func<IEnumerable<NpgsqlBatchCommand>>? alongside, CancellationToken cancellationToken = default)
    {
        metadata ??= EventMetadata.None;
        var prepared = PreparedAppend.Create(appends, metadata, _registry);
        var attempts = 0;
        var result = await _retry.ExecuteAsync(async ct =>
        {
            var mayHaveCommitted = attempts++ > 0;
            try
            {
                return await AppendOnceAsync(prepared, metadata, alongside, ct);
            }
            catch (Exception ex) when (mayHaveCommitted && IsConflictOrDuplicate(ex))
            {
                // An earlier attempt may have committed before its answer was lost: the event ids
                // tell, and they make a blind retry fail instead of writing twice.
                var committed = await FindCommittedAsync(prepared, ct);
                if (committed is null) throw;
                return committed;
            }
        }, cancellationToken);
        _notifier.Pulse();
        return result;
    }

    private async Task<AppendResult> AppendOnceAsync(PreparedAppend prepared, EventMetadata metadata, Func<IEnumerable<NpgsqlBatchCommand>>? alongside, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        // A batch runs in one implicit transaction: a failure in any statement rolls back all of them.
        await using var batch = prepared.ToBatch(connection);
        foreach (var command in alongside?.Invoke() ?? []) batch.BatchCommands.Add(command);
        foreach (var command in _withEveryAppend?.Invoke(metadata) ?? []) batch.BatchCommands.Add(command);
        var versions = new Dictionary<string, long>(prepared.Streams.Count, StringComparer.Ordinal);
        var last = FeedPosition.Start;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            foreach (var stream in prepared.Streams)
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    versions[stream.StreamId] = reader.GetInt64(0);
                    var position = new FeedPosition(reader.GetFieldValue<ulong>(2), reader.GetInt64(1));
                    if (position > last) last = position;
                }
                await reader.NextResultAsync(cancellationToken);
            }
            // Reading every result surfaces a failure of any command alongside.
            while (await reader.NextResultAsync(cancellationToken)) { }
        }
        catch (PostgresException ex) when (ex.SqlState == ConflictSqlState)
        {
            throw ToConflict(ex, prepared);
        }
        return new AppendResult(versions, last);
    }

    private async Task<AppendResult?> FindCommittedAsync(PreparedAppend prepared, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "select stream_id, max(stream_version), (array_agg(transaction_id))[1], max(global_position) from es_events where event_id = any($1) group by stream_id");
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
        return versions.Count == prepared.Streams.Count ? new AppendResult(versions, last) : null;
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

    /// <summary>Folds a stream into a state, Marten's <c>AggregateStreamAsync</c> for deciders.</summary>
    public async Task<Aggregated<TState>> AggregateStreamAsync<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(evolve);
        var events = await ReadStreamAsync(streamId, 1, cancellationToken);
        var state = initial;
        foreach (var recorded in events)
        {
            if (recorded.Data is not null) state = evolve(state, recorded.Data);
        }
        return new Aggregated<TState>(state, events.Count == 0 ? 0 : events[^1].StreamVersion);
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

    /// <summary>The position of the newest event a feed reader can see now.</summary>
    public async Task<FeedPosition> ReadHeadAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await FeedQuery.ReadHeadAsync(connection, cancellationToken);
    }

    public ValueTask DisposeAsync() => _notifier.DisposeAsync();

    private static bool IsRetryable(NpgsqlException ex) =>
        ex.IsTransient && ex is not PostgresException { SqlState: ConflictSqlState };

    private static bool IsConflictOrDuplicate(Exception ex) =>
        ex is StreamVersionConflictException
        || ex is PostgresException { SqlState: UniqueViolation, ConstraintName: "es_events_event_id_key" };

    private static StreamVersionConflictException ToConflict(PostgresException ex, PreparedAppend prepared)
    {
        using var detail = JsonDocument.Parse(ex.Detail ?? "{}");
        var streamId = detail.RootElement.GetProperty("stream").GetString()!;
        var actual = detail.RootElement.GetProperty("actual").GetInt64();
        var expected = prepared.Streams.First(s => s.StreamId == streamId).Expected;
        return new StreamVersionConflictException(streamId, expected, actual);
    }
}
