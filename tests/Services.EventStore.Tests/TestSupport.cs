using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace Services.EventStore.Tests;

/// <summary>A feed reader as a projection runs one: from a cursor, page after page, waking on the notifier.</summary>
internal static class Feed
{
    /// <summary>
    /// Reads from <paramref name="after"/> until <paramref name="count"/> events matching
    /// <paramref name="mine"/> arrived; returns them (and any extra of them in the last page) and the cursor.
    /// </summary>
    public static async Task<(List<RecordedEvent> Events, FeedPosition Next)> ReadUntilAsync(
        EventStore store, FeedPosition after, Func<RecordedEvent, bool> mine, int count, int pageSize = 1000)
    {
        var events = new List<RecordedEvent>();
        var cursor = after;
        var deadline = Stopwatch.StartNew();
        while (events.Count < count)
        {
            var changed = store.Notifier.Changed;
            var page = await store.ReadFeedAsync(cursor, pageSize);
            page.Events.Count.ShouldBeLessThanOrEqualTo(pageSize);
            foreach (var recorded in page.Events)
            {
                recorded.Position.ShouldBeGreaterThan(cursor, "the feed went backwards");
                cursor = recorded.Position;
                if (mine(recorded)) events.Add(recorded);
            }
            page.Next.ShouldBe(cursor);
            if (page.Events.Count > 0) continue;
            if (deadline.Elapsed > Eventually.Timeout)
                throw new TimeoutException($"The feed delivered {events.Count} of {count} events within {Eventually.Timeout}.");
            await FeedNotifier.WaitAsync(changed, TimeSpan.FromMilliseconds(50), CancellationToken.None);
        }
        return (events, cursor);
    }

    /// <summary>Everything readable now after <paramref name="after"/>, page after page until an empty page.</summary>
    public static async Task<List<RecordedEvent>> ReadAvailableAsync(EventStore store, FeedPosition after)
    {
        var events = new List<RecordedEvent>();
        while (true)
        {
            var page = await store.ReadFeedAsync(after, 1000);
            if (page.Events.Count == 0) return events;
            events.AddRange(page.Events);
            after = page.Next;
        }
    }
}

/// <summary>Appends through <c>es_append</c> on a connection the test controls, to hold or roll back its transaction.</summary>
internal static class RawAppend
{
    public static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string streamId, Guid eventId, string eventType, string json, long expected = 0)
    {
        await using var command = new NpgsqlCommand(
            "select * from es_append($1, 'thing', $2, array[$3], array[$4], array[$5], array['{}'::jsonb])", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = streamId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = expected, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = eventId, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.Add(new NpgsqlParameter { Value = eventType, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = json, NpgsqlDbType = NpgsqlDbType.Jsonb });
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
    }

    public static async Task<ulong> CurrentTransactionIdAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        await using var command = new NpgsqlCommand("select pg_current_xact_id()::text", connection, transaction);
        return ulong.Parse((string)(await command.ExecuteScalarAsync())!, System.Globalization.CultureInfo.InvariantCulture);
    }
}

internal static class Sql
{
    public static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The first column of every row, in order.</summary>
    public static async Task<List<T>> ColumnAsync<T>(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters) command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<T>();
        while (await reader.ReadAsync()) values.Add(reader.GetFieldValue<T>(0));
        return values;
    }

    /// <summary>Backends of this database waiting for a lock (a row lock or an advisory lock).</summary>
    public static Task<long> LockWaitersAsync(NpgsqlDataSource dataSource) =>
        CountAsync(dataSource, "select count(*) from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'");

    /// <summary>The process ids of the backends <see cref="LockWaitersAsync"/> counts.</summary>
    public static Task<List<int>> LockWaiterIdsAsync(NpgsqlDataSource dataSource) =>
        ColumnAsync<int>(dataSource, "select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' order by pid");
}
