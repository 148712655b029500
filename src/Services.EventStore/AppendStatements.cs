using Npgsql;
using NpgsqlTypes;

namespace Services.EventStore;

/// <summary>The statements that append a group's streams, and the reading of what they inserted.</summary>
internal abstract class AppendStatements
{
    /// <param name="streams">Each member's streams, members in arrival order.</param>
    public static AppendStatements For(IReadOnlyList<(PreparedStream Stream, int Member)> streams) => streams switch
    {
        [var only] when only.Stream.Expected != ExpectedVersion.Any && !only.Stream.IsCheck => new OneStreamStatement(only.Stream, only.Member),
        _ when streams.All(entry => entry.Stream.Expected != ExpectedVersion.Any) => new GroupStatement(streams),
        _ => new StreamStatements(streams),
    };

    public abstract void AddTo(NpgsqlBatch batch);

    /// <summary>Reads the inserted events into each member's stream versions and last feed position.</summary>
    public abstract Task ReadAsync(NpgsqlDataReader reader, Dictionary<string, long>[] versions, FeedPosition[] last, CancellationToken cancellationToken);
}

/// <summary>
/// A group's appends at known versions as one call of <c>es_append_all</c>: one statement for the
/// whole group instead of one per stream, every expectation checked before any event is inserted.
/// </summary>
internal sealed class GroupStatement : AppendStatements
{
    /// <summary>An entry whose expectation an earlier entry of the same call meets: nothing to check.</summary>
    private const long Chained = -2;

    private readonly IReadOnlyList<(PreparedStream Stream, int Member)> _streams;
    private readonly Dictionary<Guid, (int Member, string StreamId)> _events = [];
    private readonly NpgsqlBatchCommand _command;

    public GroupStatement(IReadOnlyList<(PreparedStream Stream, int Member)> streams)
    {
        _streams = streams;
        var (ids, expected, expectedEvents, checkOnly) = (new string[streams.Count], new long[streams.Count], new Guid?[streams.Count], new bool[streams.Count]);
        var (eventStreams, eventIds, versions, streamTypes, eventTypes, data, metadata) = (new List<int>(), new List<Guid>(), new List<long>(), new List<string>(), new List<string>(), new List<string>(), new List<string>());
        // Where this call leaves each stream it appends to, for the entries after it. An entry that
        // is not chained is checked against the stream as it was before the call: a version check
        // decided before an earlier member's append then passes, ordering that decision before the
        // append; both are in one transaction and neither was acknowledged, so either order is one
        // the callers could have seen. An append that is not chained fails on the version index.
        var tips = new Dictionary<string, (long Version, Guid LastEventId)>(StringComparer.Ordinal);
        for (var i = 0; i < streams.Count; i++)
        {
            var (stream, member) = streams[i];
            var chained = tips.TryGetValue(stream.StreamId, out var tip) && tip.Version == stream.Expected.Value
                && (stream.Expected.LastEventId is null || stream.Expected.LastEventId == tip.LastEventId);
            ids[i] = stream.StreamId;
            expected[i] = chained ? Chained : stream.Expected.Value;
            expectedEvents[i] = stream.Expected.LastEventId;
            checkOnly[i] = stream.IsCheck && !chained;
            for (var e = 0; e < stream.EventIds.Length; e++)
            {
                eventStreams.Add(i + 1);
                eventIds.Add(stream.EventIds[e]);
                versions.Add(stream.Expected.Value + e + 1);
                streamTypes.Add(stream.StreamType);
                eventTypes.Add(stream.EventTypes[e]);
                data.Add(stream.Data[e]);
                metadata.Add(stream.Metadata[e]);
                _events[stream.EventIds[e]] = (member, stream.StreamId);
            }
            if (!stream.IsCheck) tips[stream.StreamId] = (stream.Expected.Value + stream.EventIds.Length, stream.EventIds[^1]);
        }
        _command = new NpgsqlBatchCommand("select * from es_append_all($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        {
            Parameters =
            {
                new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter { Value = expected, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                new NpgsqlParameter { Value = expectedEvents, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new NpgsqlParameter { Value = checkOnly, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Boolean },
                new NpgsqlParameter { Value = eventStreams.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Integer },
                new NpgsqlParameter { Value = eventIds.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new NpgsqlParameter { Value = versions.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                new NpgsqlParameter { Value = streamTypes.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter { Value = eventTypes.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new NpgsqlParameter { Value = data.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
                new NpgsqlParameter { Value = metadata.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
            },
        };
    }

    public override void AddTo(NpgsqlBatch batch) => batch.BatchCommands.Add(_command);

    public override async Task ReadAsync(NpgsqlDataReader reader, Dictionary<string, long>[] versions, FeedPosition[] last, CancellationToken cancellationToken)
    {
        foreach (var (stream, member) in _streams.Where(entry => entry.Stream.IsCheck)) versions[member][stream.StreamId] = stream.Expected.Value;
        while (await reader.ReadAsync(cancellationToken))
        {
            var (member, streamId) = _events[reader.GetGuid(0)];
            var version = reader.GetInt64(1);
            if (version > versions[member].GetValueOrDefault(streamId)) versions[member][streamId] = version;
            var position = new FeedPosition(reader.GetFieldValue<ulong>(3), reader.GetInt64(2));
            if (position > last[member]) last[member] = position;
        }
        await reader.NextResultAsync(cancellationToken);
    }
}

/// <summary>
/// One <c>es_append</c> (or <c>es_check_version</c>) per stream, in arrival order: appends at any
/// version need it. Each takes its stream's lock; all of them are taken first, in stream order, as
/// <c>es_append_all</c> does, so that two transactions cannot wait on each other.
/// </summary>
internal sealed class StreamStatements(IReadOnlyList<(PreparedStream Stream, int Member)> streams) : AppendStatements
{
    // A stream only checked is locked shared; one appended to, exclusively. Volatile calls in the
    // aggregate's argument run in the sorted subquery's order.
    private const string LockInStreamOrder = """
        select count(case when l.shared then pg_advisory_xact_lock_shared(l.key) is null else pg_advisory_xact_lock(l.key) is null end)
        from (
            select hashtextextended(s.id, 0) as key, bool_and(s.check_only) as shared
            from unnest($1::text[], $2::boolean[]) as s(id, check_only)
            group by s.id
            order by s.id collate "C"
        ) l
        """;

    public override void AddTo(NpgsqlBatch batch)
    {
        batch.BatchCommands.Add(new NpgsqlBatchCommand(LockInStreamOrder)
        {
            Parameters =
            {
                new NpgsqlParameter { Value = streams.Select(entry => entry.Stream.StreamId).ToArray() },
                new NpgsqlParameter { Value = streams.Select(entry => entry.Stream.IsCheck).ToArray() },
            },
        });
        foreach (var (stream, _) in streams) batch.BatchCommands.Add(PreparedAppend.ToCommand(stream));
    }

    public override async Task ReadAsync(NpgsqlDataReader reader, Dictionary<string, long>[] versions, FeedPosition[] last, CancellationToken cancellationToken)
    {
        await reader.NextResultAsync(cancellationToken);
        foreach (var (stream, member) in streams)
        {
            if (stream.IsCheck) versions[member][stream.StreamId] = stream.Expected.Value;
            // A check returns one row of nothing (void).
            while (await reader.ReadAsync(cancellationToken) && !stream.IsCheck)
            {
                versions[member][stream.StreamId] = reader.GetInt64(0);
                var position = new FeedPosition(reader.GetFieldValue<ulong>(2), reader.GetInt64(1));
                if (position > last[member]) last[member] = position;
            }
            await reader.NextResultAsync(cancellationToken);
        }
    }
}

/// <summary>
/// An append to one stream at a known version, the commonest one (a command on one aggregate, a
/// lone writer), as a plain statement: neither a plpgsql call nor per-stream arrays. A lone
/// writer's append costs PostgreSQL ~245 instead of ~280 µs of CPU (medians of three interleaved
/// runs of ops/Services.Bench append-one). A single event, the commonest of all, goes as plain
/// values rather than arrays to unnest and order. Same errors as the group: 'ES409' when the
/// stream is behind the expected version or its event there is not the expected one; the version
/// index's unique violation when the stream is ahead (it exists, for an append that expects no stream).
/// </summary>
internal sealed class OneStreamStatement(PreparedStream stream, int member) : AppendStatements
{
    // Takes the stream's lock, held to the commit (0004_stream_locks.sql): another node's version
    // check of this stream waits for this append, then sees it. The rest of the guard may read
    // before the lock is granted (a gating filter): the version index, not this statement's
    // snapshot, catches an append committed meanwhile.
    private const string Guard = "pg_advisory_xact_lock(hashtextextended($1, 0)) is not null and ($3 = 0 or exists (select 1 from es_events e where e.stream_id = $1 and e.stream_version = $3 and ($8::uuid is null or e.event_id = $8)))";

    // Nothing inserted: the stream is behind (or its last event is another); raises, so nothing
    // alongside commits. es_version_conflict must stay volatile, or it could be run while planning.
    private const string RaiseWhenNothingInserted = """
        select stream_version, global_position, transaction_id from inserted
        union all
        select null, null, null where case when exists (select 1 from inserted) then false else es_version_conflict($1, $3) is null end
        """;

    private const string Events = $"""
        with inserted as (
            insert into es_events as ev (event_id, stream_id, stream_type, stream_version, event_type, data, metadata)
            select x.id, $1, $2, $3 + x.n, x.t, x.d, x.m
            from unnest($4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[]) with ordinality as x(id, t, d, m, n)
            where {Guard}
            order by x.n
            returning ev.stream_version, ev.global_position, ev.transaction_id
        )
        {RaiseWhenNothingInserted}
        """;

    private const string OneEvent = $"""
        with inserted as (
            insert into es_events as ev (event_id, stream_id, stream_type, stream_version, event_type, data, metadata)
            select $4, $1, $2, $3 + 1, $5, $6, $7
            where {Guard}
            returning ev.stream_version, ev.global_position, ev.transaction_id
        )
        {RaiseWhenNothingInserted}
        """;

    public override void AddTo(NpgsqlBatch batch) => batch.BatchCommands.Add(stream.EventIds.Length == 1
        ? PreparedAppend.WithOneEventParameters(new NpgsqlBatchCommand(OneEvent), stream)
        : PreparedAppend.WithAppendParameters(new NpgsqlBatchCommand(Events), stream));

    public override async Task ReadAsync(NpgsqlDataReader reader, Dictionary<string, long>[] versions, FeedPosition[] last, CancellationToken cancellationToken)
    {
        while (await reader.ReadAsync(cancellationToken))
        {
            versions[member][stream.StreamId] = Math.Max(versions[member].GetValueOrDefault(stream.StreamId), reader.GetInt64(0));
            var position = new FeedPosition(reader.GetFieldValue<ulong>(2), reader.GetInt64(1));
            if (position > last[member]) last[member] = position;
        }
        await reader.NextResultAsync(cancellationToken);
    }
}
