using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Services.Api.ReadModels;
using Services.Api.Tests.Http;
using Services.EventStore;
using Services.EventStore.Projections;

// Not "Services.Api.Tests.Catalog": that namespace would hide the Http.Catalog helpers from every other test.
namespace Services.Api.Tests.Listings;

/// <summary>Waiting for shards, reading lists and comparing a rebuilt read model with the live one.</summary>
internal static class ReadModelTesting
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Waits until <paramref name="shard"/> has applied everything appended so far.</summary>
    public static async Task CaughtUpAsync(this ApiFixture api, string shard)
    {
        // The newest committed event (the store's ReadHeadAsync stops below running transactions, e.g. the shards' own pages).
        FeedPosition head;
        await using (var command = api.Service<NpgsqlDataSource>().CreateCommand(
            "select transaction_id::text::bigint, global_position from es_events order by transaction_id desc, global_position desc limit 1"))
        await using (var reader = await command.ExecuteReaderAsync())
            head = await reader.ReadAsync() ? new FeedPosition((ulong)reader.GetInt64(0), reader.GetInt64(1)) : FeedPosition.Start;
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
    public static async Task RebuildEqualsLiveAsync(this ApiFixture api, string shard, params string[] tables)
    {
        await api.CaughtUpAsync(shard);
        var live = await api.SnapshotAsync(tables);
        live.ShouldNotBeEmpty();

        await api.Service<ProjectionDaemon>().RebuildAsync(shard, TimeSpan.FromSeconds(30));
        await api.CaughtUpAsync(shard);

        (await api.SnapshotAsync(tables)).ShouldBe(live);
    }

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
