using System.Diagnostics;
using Npgsql;

namespace Services.Reliability;

/// <summary>
/// The suite's own PostgreSQL cluster, stopped and started through ops/pg.sh (which reads
/// SERVICES_PG_DIR and SERVICES_PG_PORT from the environment ops/reliability.sh set).
/// </summary>
internal sealed class Database(SuiteOptions options)
{
    // No pooling: a pooled connection would not survive the restarts.
    private readonly string _connectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Pooling = false }.ConnectionString;
    private readonly string _probe = new NpgsqlConnectionStringBuilder(options.ConnectionString) { Pooling = false, Timeout = 1 }.ConnectionString;

    /// <summary>
    /// pg_ctl stop: -m immediate ends every server process at once, as in a crash (the start then
    /// recovers from the WAL and syncs the data folder, which takes seconds); -m fast disconnects the
    /// sessions and shuts down cleanly.
    /// </summary>
    public Task StopAsync(bool immediate) => RunScriptAsync("stop", immediate ? "immediate" : "fast");

    /// <summary>Starts the server; returns the timestamp (Stopwatch) at which it first accepted a connection.</summary>
    public async Task<long> StartAsync()
    {
        var starting = RunScriptAsync("start");
        long accepting = 0;
        await Progress.WaitUntilAsync(async () =>
        {
            if (starting.IsFaulted) await starting;
            if (!await AcceptsConnectionsAsync()) return false;
            accepting = Stopwatch.GetTimestamp();
            return true;
        }, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(20), "PostgreSQL to accept connections");
        await starting;
        return accepting;
    }

    public async Task<bool> AcceptsConnectionsAsync()
    {
        try
        {
            await using var connection = new NpgsqlConnection(_probe);
            await connection.OpenAsync();
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// A digest of every read-model table (rm_*) but the webhook outbox's, whose rebuild would send
    /// nothing again: row count and md5 of the rows in text form, sorted.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> DigestReadModelsAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("""
            select table_name from information_schema.tables
            where table_schema = current_schema() and table_name like 'rm\_%' and table_name not like 'rm\_outbox\_%'
              and table_name <> 'rm_feed' -- compared through the view rm_feed_entries: its rows depend on where pages end
            order by table_name
            """, connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        }
        var digests = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in tables)
        {
            await using var digest = new NpgsqlCommand(
                $"select count(*) || ' rows, ' || md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) from \"{table}\" t", connection);
            digests[table] = (string)(await digest.ExecuteScalarAsync())!;
        }
        return digests;
    }

    private async Task RunScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(options.PgScript);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{options.PgScript} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await errors}{await output}");
    }
}
