using Npgsql;

namespace Services.Api.Tests.Http;

/// <summary>Questions asked of the database itself, for what must (not) be stored anywhere.</summary>
public static class StoredData
{
    /// <summary>Runs a <c>select count(*)</c> with positional parameters.</summary>
    public static async Task<long> CountAsync(this ApiFixture api, string sql, params object[] values)
    {
        ArgumentNullException.ThrowIfNull(api);
        await using var command = api.Service<NpgsqlDataSource>().CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Changes stored data behind the API's back (what a crash, a race or an older version leaves), with positional parameters.</summary>
    public static async Task ExecuteAsync(this ApiFixture api, string sql, params object[] values)
    {
        ArgumentNullException.ThrowIfNull(api);
        await using var command = api.Service<NpgsqlDataSource>().CreateCommand(sql);
        foreach (var value in values) command.Parameters.Add(new NpgsqlParameter { Value = value });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>How many events, in their data or metadata, contain <paramref name="text"/> anywhere.</summary>
    public static Task<long> EventsContainingAsync(this ApiFixture api, string text) =>
        api.CountAsync("select count(*) from es_events where strpos(data::text, $1) > 0 or strpos(metadata::text, $1) > 0", text);
}
