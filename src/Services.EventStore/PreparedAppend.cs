using Npgsql;
using NpgsqlTypes;

namespace Services.EventStore;

/// <summary>An append checked and serialized before anything touches the database.</summary>
internal sealed class PreparedAppend
{
    private PreparedAppend(IReadOnlyList<PreparedStream> streams)
    {
        Streams = streams;
        AppendedStreamIds = [.. streams.Where(s => !s.IsCheck).Select(s => s.StreamId)];
    }

    public IReadOnlyList<PreparedStream> Streams { get; }

    /// <summary>The streams that get events (the others are version checks).</summary>
    public IReadOnlyList<string> AppendedStreamIds { get; }

    public Guid[] AllEventIds => Streams.SelectMany(s => s.EventIds).ToArray();

    /// <summary>Some stream takes the events at whatever version it is at: nothing in the database refuses a second copy of them.</summary>
    public bool AtAnyVersion => Streams.Any(s => s.Expected == ExpectedVersion.Any);

    public static PreparedAppend Create(IReadOnlyList<StreamAppend> appends, EventMetadata metadata, EventTypeRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(appends);
        if (appends.Count == 0) throw new ArgumentException("Nothing to append: no stream given.", nameof(appends));
        var metadataJson = MetadataJson.Serialize(metadata);
        var streams = new List<PreparedStream>(appends.Count);
        foreach (var append in appends)
        {
            ArgumentNullException.ThrowIfNull(append);
            StreamIds.Validate(append.StreamId);
            if (append.IsVersionCheck)
            {
                if (append.Expected == ExpectedVersion.Any || append.Events is not { Count: 0 })
                    throw new ArgumentException($"A version check of stream '{append.StreamId}' needs a version (not any) and carries no events.", nameof(appends));
            }
            else
            {
                ArgumentException.ThrowIfNullOrWhiteSpace(append.StreamType);
                if (append.Events is null || append.Events.Count == 0)
                    throw new ArgumentException($"Nothing to append to stream '{append.StreamId}': no events given.", nameof(appends));
            }
            if (streams.Exists(s => s.StreamId == append.StreamId))
                throw new ArgumentException($"Stream '{append.StreamId}' appears twice in one append; give all its events in one StreamAppend.", nameof(appends));
            var count = append.Events.Count;
            var stream = new PreparedStream(append.StreamId, append.StreamType, append.Expected, append.Events, new Guid[count], new string[count], new string[count], new string[count]);
            for (var i = 0; i < count; i++)
            {
                var @event = append.Events[i] ?? throw new ArgumentException($"Event {i} for stream '{append.StreamId}' is null.", nameof(appends));
                stream.EventIds[i] = EventIds.NewId();
                stream.EventTypes[i] = registry.NameOf(@event.GetType());
                stream.Data[i] = registry.Serialize(@event);
                stream.Metadata[i] = metadataJson;
            }
            streams.Add(stream);
        }
        if (streams.TrueForAll(s => s.IsCheck)) throw new ArgumentException("Nothing to append: every stream given is a version check.", nameof(appends));
        return new PreparedAppend(streams);
    }

    public static NpgsqlBatchCommand ToCommand(PreparedStream stream)
    {
        if (stream.IsCheck)
        {
            var check = new NpgsqlBatchCommand("select es_check_version($1, $2, $3)");
            check.Parameters.Add(new NpgsqlParameter { Value = stream.StreamId, NpgsqlDbType = NpgsqlDbType.Text });
            check.Parameters.Add(new NpgsqlParameter { Value = stream.Expected.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            check.Parameters.Add(LastEventParameter(stream.Expected));
            return check;
        }
        return WithAppendParameters(new NpgsqlBatchCommand("select * from es_append($1, $2, $3, $4, $5, $6, $7, $8)"), stream);
    }

    /// <summary>
    /// A stream's append as parameters $1 to $8: stream id, stream type, expected version, then the
    /// events' ids, types, data and metadata as arrays, and the expected last event id (or null).
    /// </summary>
    public static NpgsqlBatchCommand WithAppendParameters(NpgsqlBatchCommand command, PreparedStream stream) => WithParameters(command, stream,
        new NpgsqlParameter { Value = stream.EventIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
        new NpgsqlParameter { Value = stream.EventTypes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
        new NpgsqlParameter { Value = stream.Data, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
        new NpgsqlParameter { Value = stream.Metadata, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb });

    /// <summary>The parameters of <see cref="WithAppendParameters"/> for a stream's only event: its id, type, data and metadata as plain values.</summary>
    public static NpgsqlBatchCommand WithOneEventParameters(NpgsqlBatchCommand command, PreparedStream stream) => WithParameters(command, stream,
        new NpgsqlParameter { Value = stream.EventIds[0], NpgsqlDbType = NpgsqlDbType.Uuid },
        new NpgsqlParameter { Value = stream.EventTypes[0], NpgsqlDbType = NpgsqlDbType.Text },
        new NpgsqlParameter { Value = stream.Data[0], NpgsqlDbType = NpgsqlDbType.Jsonb },
        new NpgsqlParameter { Value = stream.Metadata[0], NpgsqlDbType = NpgsqlDbType.Jsonb });

    private static NpgsqlBatchCommand WithParameters(NpgsqlBatchCommand command, PreparedStream stream, NpgsqlParameter ids, NpgsqlParameter types, NpgsqlParameter data, NpgsqlParameter metadata)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = stream.StreamId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = stream.StreamType, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = stream.Expected.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(ids);
        command.Parameters.Add(types);
        command.Parameters.Add(data);
        command.Parameters.Add(metadata);
        command.Parameters.Add(LastEventParameter(stream.Expected));
        return command;
    }

    private static NpgsqlParameter LastEventParameter(ExpectedVersion expected) =>
        new() { Value = expected.LastEventId is { } id ? id : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid };
}

/// <param name="Events">The events as given, folded into cached aggregates once committed.</param>
internal sealed record PreparedStream(string StreamId, string StreamType, ExpectedVersion Expected, IReadOnlyList<object> Events, Guid[] EventIds, string[] EventTypes, string[] Data, string[] Metadata)
{
    /// <summary>No events: the transaction only checks that the stream is still at its expected version.</summary>
    public bool IsCheck => Events.Count == 0;
}
