using Npgsql;

namespace Services.EventStore;

internal static class EventRows
{
    public const string Columns = "transaction_id, global_position, event_id, stream_id, stream_version, event_type, data, metadata, created_at";

    public static async Task<List<RecordedEvent>> ReadAllAsync(NpgsqlCommand command, EventTypeRegistry registry, CancellationToken cancellationToken)
    {
        var events = new List<RecordedEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) events.Add(Read(reader, registry));
        return events;
    }

    private static RecordedEvent Read(NpgsqlDataReader reader, EventTypeRegistry registry)
    {
        var type = reader.GetString(5);
        var json = reader.GetString(6);
        return new RecordedEvent(
            EventId: reader.GetGuid(2),
            StreamId: reader.GetString(3),
            StreamVersion: reader.GetInt64(4),
            EventType: type,
            Data: registry.Deserialize(type, json),
            Json: json,
            Metadata: MetadataJson.Deserialize(reader.GetString(7)),
            Timestamp: reader.GetFieldValue<DateTimeOffset>(8),
            Position: new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)));
    }
}
