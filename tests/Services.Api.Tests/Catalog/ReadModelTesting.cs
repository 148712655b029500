using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Services.Api.ReadModels;
using Services.Api.Tests.Http;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Tests.Catalog;

/// <summary>Waiting for shards, reading lists and comparing a rebuilt read model with the live one.</summary>
internal static class ReadModelTesting
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Waits until <paramref name="shard"/> has applied everything appended so far.</summary>
    public static async Task CaughtUpAsync(this ApiFixture api, string shard)
    {
        // The newest committed event (the store's ReadHeadAsync stops below running transactions, e.g. the shards' own pages).
        var head = await api.Service<EventStore.EventStore>().ReadLastCommittedAsync();
        (await api.Service<ProjectionDaemon>().WaitForPositionAsync(shard, head, Timeout)).ShouldBeTrue($"{shard} did not reach {head}");
    }

    /// <summary>Appends events straight to the store (no decider), for projection tests.</summary>
    public static async Task<FeedPosition> AppendAsync(this ApiFixture api, string streamId, string streamType, params object[] events)
    {
        var result = await api.Service<EventStore.EventStore>().AppendAsync(streamId, streamType, ExpectedVersion.Any, events);
        return result.LastPosition;
    }

    /// <summary>GETs a list and asserts 200.</summary>
    public static async Task<Page<T>> ListAsync<T>(this HttpClient client, string path)
    {
        var read = await client.GetAsync(path);
        read.StatusCode.ShouldBe(HttpStatusCode.OK, await read.Content.ReadAsStringAsync());
        return (await read.Content.ReadFromJsonAsync<Page<T>>(ApiFixture.JsonOptions))!;
    }

    /// <summary>Every row of the tables, as text, in a stable order.</summary>
    public static async Task<IReadOnlyList<string>> SnapshotAsync(this ApiFixture api, params string[] tables)
    {
        var rows = new List<string>();
        var db = api.Service<NpgsqlDataSource>();
        foreach (var table in tables)
        {
            await using var command = db.CreateCommand($"select t::text from {table} t order by t::text");
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) rows.Add(string.Create(CultureInfo.InvariantCulture, $"{table}: {reader.GetString(0)}"));
        }
        return rows;
    }

    /// <summary>Rebuilds the shard from the events and asserts its tables equal, row for row, what the live daemon built.</summary>
    public static Task RebuildEqualsLiveAsync(this ApiFixture api, string shard, params string[] tables) =>
        api.RebuildEqualsLiveAsync(shard, tables, kept: []);

    /// <summary>
    /// Rebuilds the shard from the events and asserts its tables equal, row for row, what the live daemon built.
    /// Each of <paramref name="tables"/> is spoiled first (<see cref="SpoilAsync"/>): equal tables alone would
    /// also come from a rebuild that did nothing, or whose reset forgot a table. <paramref name="kept"/> are
    /// tables the rebuild must leave as they are (compared, never spoiled), e.g. the webhook deliveries.
    /// </summary>
    public static async Task RebuildEqualsLiveAsync(this ApiFixture api, string shard, IReadOnlyList<string> tables, IReadOnlyList<string> kept)
    {
        string[] compared = [.. tables, .. kept];
        await api.CaughtUpAsync(shard);
        var live = await api.SnapshotAsync(compared);
        live.ShouldNotBeEmpty();
        await api.SpoilAsync(tables);

        await api.Service<ProjectionDaemon>().RebuildAsync(shard, TimeSpan.FromSeconds(30));
        await api.CaughtUpAsync(shard);

        (await api.SnapshotAsync(compared)).ShouldBe(live, $"{shard} rebuilt: a stale or corrupted row left means its reset skipped a table");
    }

    /// <summary>
    /// Leaves in each table what only a rebuild's reset undoes: a stale row for an id no event produced and,
    /// when the scenario left a row, a corrupted value in a real one. A view is spoiled through the tables it
    /// reads (the feed's entries through rm_feed).
    /// </summary>
    public static async Task SpoilAsync(this ApiFixture api, IEnumerable<string> tables)
    {
        foreach (var table in await api.StoredTablesAsync(tables))
        {
            var columns = await api.ColumnsAsync(table);
            // Corrupted before the stale row is planted, so that it is a real row that changes.
            if (await api.CountAsync($"select count(*) from {table}") > 0)
            {
                var corrupted = columns.Where(c => c.NotNull).OrderBy(c => c.InKey).Select(c => (c.Name, Change: Corrupted(c))).First(c => c.Change is not null);
                (await api.CountAsync($"""
                    with corrupted as (
                        update {table} set {corrupted.Name} = {corrupted.Change}
                        where ctid = (select ctid from {table} r order by r::text limit 1)
                        returning 1)
                    select count(*) from corrupted
                    """)).ShouldBe(1, $"a corrupted {table}.{corrupted.Name}");
            }
            // Nullable columns stay null; the others get a value of their type that no event writes.
            var planted = columns.Where(c => c.NotNull).ToList();
            (await api.CountAsync($"""
                with planted as (
                    insert into {table} ({string.Join(", ", planted.Select(c => c.Name))})
                    values ({string.Join(", ", planted.Select(Stale))})
                    returning 1)
                select count(*) from planted
                """)).ShouldBe(1, $"a stale row in {table}");
        }
    }

    private sealed record StoredColumn(string Name, string Type, bool NotNull, bool InKey);

    /// <summary>The tables behind <paramref name="relations"/>: a table itself, a view the tables it reads.</summary>
    private static async Task<IReadOnlyList<string>> StoredTablesAsync(this ApiFixture api, IEnumerable<string> relations)
    {
        var tables = new List<string>();
        var db = api.Service<NpgsqlDataSource>();
        foreach (var relation in relations)
        {
            await using var command = db.CreateCommand("""
                select coalesce((select array_agg(u.table_name::text order by u.table_name)
                                 from information_schema.view_table_usage u where u.view_name = $1), array[$1])
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = relation });
            tables.AddRange((string[])(await command.ExecuteScalarAsync())!);
        }
        return [.. tables.Distinct(StringComparer.Ordinal)];
    }

    private static async Task<IReadOnlyList<StoredColumn>> ColumnsAsync(this ApiFixture api, string table)
    {
        var columns = new List<StoredColumn>();
        await using var command = api.Service<NpgsqlDataSource>().CreateCommand("""
            select a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull, coalesce(a.attnum = any(k.indkey::int2[]), false)
            from pg_attribute a
            left join pg_index k on k.indrelid = a.attrelid and k.indisprimary
            where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
            order by a.attnum
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = table });
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) columns.Add(new StoredColumn(reader.GetString(0), reader.GetString(1), reader.GetBoolean(2), reader.GetBoolean(3)));
        columns.ShouldNotBeEmpty($"{table} is stored");
        return columns;
    }

    /// <summary>A changed value of the column (null when its type is not handled here).</summary>
    private static string? Corrupted(StoredColumn column) => column.Type switch
    {
        "text" => $"{column.Name} || '~corrupted'",
        "smallint" or "integer" or "bigint" or "date" => $"{column.Name} + 1",
        "boolean" => $"not {column.Name}",
        "timestamp with time zone" => $"{column.Name} + interval '1 day'",
        _ when column.Type.EndsWith("[]", StringComparison.Ordinal) => $"array_append({column.Name}, null)",
        _ => null,
    };

    /// <summary>A value of the column's type for a row no event produced (an array holds one element, so that a view unnesting it shows the row).</summary>
    private static string Stale(StoredColumn column) => column.Type switch
    {
        "text" => "'stale'",
        "smallint" or "integer" or "bigint" or "xid8" => $"'1'::{column.Type}",
        "boolean" => "false",
        "date" or "timestamp with time zone" => $"'2000-01-01'::{column.Type}",
        "uuid" => "'00000000-0000-0000-0000-00000000057a'::uuid",
        _ when column.Type.EndsWith("[]", StringComparison.Ordinal) => $"'{{1}}'::{column.Type}",
        _ => throw new NotSupportedException($"No stale value of type {column.Type} for column {column.Name}."),
    };

    /// <summary>Reads every page of a list with <paramref name="pageSize"/>, running <paramref name="between"/> after each page.</summary>
    public static async Task<IReadOnlyList<T>> AllPagesAsync<T>(this HttpClient client, string path, int pageSize, Func<Task>? between = null)
    {
        var items = new List<T>();
        var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        string? next = null;
        for (var pages = 0; pages < 100; pages++)
        {
            var page = await client.ListAsync<T>($"{path}{separator}limit={pageSize}" + (next is null ? "" : $"&after={Uri.EscapeDataString(next)}"));
            page.Data.Count.ShouldBeLessThanOrEqualTo(pageSize);
            items.AddRange(page.Data);
            if (page.Next is null) return items;
            if (between is not null) await between();
            next = page.Next;
        }
        throw new InvalidOperationException("More than 100 pages.");
    }

    public static string Position(this HttpResponseMessage write) => write.Headers.GetValues("Services-Position").Single();
}
