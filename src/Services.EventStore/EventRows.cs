using Npgsql;

namespace Services.EventStore;

internal static class EventRows
{
    public const string Columns = "transaction_id, global_position, event_id, stream_id, stream_version, event_type, data, metadata, created_at";

    public static async Task<List<RecordedEvent>> ReadAllAsync(NpgsqlCommand command, EventTypeRegistry registry, CancellationToken cancellationToken)
    {
        var events = new List<RecordedEvent>();
        // The events of one append share their metadata: parse it once per run of equal rows.
        (string Json, EventMetadata Value) metadata = ("{}", EventMetadata.None);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) events.Add(Read(reader, registry, ref metadata));
        return events;
    }

    private static RecordedEvent Read(NpgsqlDataReader reader, EventTypeRegistry registry, ref (string Json, EventMetadata Value) metadata)
    {
        var type = reader.GetString(5);
        var json = reader.GetString(6);
        var metadataJson = reader.GetString(7);
        if (!string.Equals(metadataJson, metadata.Json, StringComparison.Ordinal))
            metadata = (metadataJson, MetadataJson.Deserialize(metadataJson));
        return new RecordedEvent(
            EventId: reader.GetGuid(2),
            StreamId: reader.GetString(3),
            StreamVersion: reader.GetInt64(4),
            EventType: type,
            Data: registry.Deserialize(type, json),
            Json: json,
            Metadata: metadata.Value,
            Timestamp: reader.GetFieldValue<DateTimeOffset>(8),
            Position: new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)));
    }
}
