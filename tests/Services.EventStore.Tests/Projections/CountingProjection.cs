using System.Collections.Concurrent;
using Npgsql;
using Services.EventStore.Projections;

namespace Services.EventStore.Tests.Projections;

/// <summary>
/// Counts events per stream into <c>{table}</c> and logs every application (event id, node) into
/// <c>{table}_applied</c>, so tests can check exactly-once delivery. Its tables are created by ResetAsync.
/// </summary>
internal sealed class CountingProjection(string name, string table, string node = "node") : IProjection
{
    private static readonly ConcurrentDictionary<string, int> Running = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, int> Overlaps = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public string Table { get; } = table;

    /// <summary>Events for which ApplyAsync throws.</summary>
    public Func<RecordedEvent, ProjectionContext, bool> Poison { get; init; } = (_, _) => false;

    /// <summary>How many times ApplyAsync ran for this shard on two nodes at once (in this process).</summary>
    public static int OverlapsOf(string shard) => Overlaps.GetValueOrDefault(shard);

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        if (Running.AddOrUpdate(Name, 1, (_, n) => n + 1) > 1) Overlaps.AddOrUpdate(Name, 1, (_, n) => n + 1);
        try
        {
            var poison = page.FirstOrDefault(e => Poison(e, context));
            if (poison is not null) throw new InvalidOperationException($"Cannot project event {poison.EventId}.");

            var perStream = page.GroupBy(e => e.StreamId, StringComparer.Ordinal).ToList();
            await using var batch = new NpgsqlBatch(context.Connection, context.Transaction);
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"""
                insert into {Table} (stream_id, events, last_version, first_at, last_at)
                select * from unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[])
                on conflict (stream_id) do update set
                    events = {Table}.events + excluded.events,
                    last_version = greatest({Table}.last_version, excluded.last_version),
                    first_at = least({Table}.first_at, excluded.first_at),
                    last_at = greatest({Table}.last_at, excluded.last_at)
                """)
            {
                Parameters =
                {
                    new() { Value = perStream.Select(g => g.Key).ToArray() },
                    new() { Value = perStream.Select(g => (long)g.Count()).ToArray() },
                    new() { Value = perStream.Select(g => g.Max(e => e.StreamVersion)).ToArray() },
                    new() { Value = perStream.Select(g => g.Min(e => e.Timestamp)).ToArray() },
                    new() { Value = perStream.Select(g => g.Max(e => e.Timestamp)).ToArray() },
                },
            });
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"insert into {Table}_applied (event_id, node) select unnest($1::uuid[]), $2")
            {
                Parameters = { new() { Value = page.Select(e => e.EventId).ToArray() }, new() { Value = node } },
            });
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }
        finally
        {
            Running.AddOrUpdate(Name, 0, (_, n) => n - 1);
        }
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            create table if not exists {Table} (
                stream_id text primary key, events bigint not null, last_version bigint not null,
                first_at timestamptz not null, last_at timestamptz not null);
            create table if not exists {Table}_applied (event_id uuid not null, node text not null);
            truncate {Table}, {Table}_applied;
            """, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
