using System.Diagnostics;
using Npgsql;
using Services.BenchKit;

namespace Services.HttpBench;

/// <summary>
/// Where a measured window's time went: CPU of the API process and of PostgreSQL (/proc), the
/// database's transactions and rollbacks (each autocommit statement is a transaction, a version
/// conflict is a rollback), the cluster's WAL (bytes, full-page images) and checkpoints begun,
/// what the active backends waited on (pg_stat_activity and ungranted pg_locks, sampled every
/// ~10 ms on a connection of its own), and, when pg_stat_statements is loaded, the statements executed.
/// </summary>
internal sealed class Probe : IAsyncDisposable
{
    private readonly NpgsqlDataSource _db;
    private readonly int _apiPid, _postmaster;
    private readonly bool _statements;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly HostCpu _host = HostCpu.Start();
    private readonly double _apiCpu, _postgresCpu;
    private readonly DatabaseCounters _before;
    private readonly Dictionary<string, long> _waits = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _sampler;
    private long _samples;

    private Probe(NpgsqlDataSource db, int apiPid, int postmaster, bool statements, DatabaseCounters before)
    {
        _db = db;
        _apiPid = apiPid;
        _postmaster = postmaster;
        _statements = statements;
        _before = before;
        _apiCpu = apiPid > 0 ? ProcessCpu.Seconds(apiPid) : 0;
        _postgresCpu = ProcessCpu.PostgresSeconds(postmaster);
    }

    /// <summary>True when pg_stat_statements answers in this database (the cluster preloads it).</summary>
    public static async Task<bool> StatementsAvailableAsync(NpgsqlDataSource db)
    {
        try
        {
            await using (var create = db.CreateCommand("create extension if not exists pg_stat_statements")) await create.ExecuteNonQueryAsync();
            await using var probe = db.CreateCommand("select count(*) from pg_stat_statements");
            await probe.ExecuteScalarAsync();
            return true;
        }
        catch (PostgresException)
        {
            return false;
        }
    }

    public static async Task<Probe> StartAsync(NpgsqlDataSource db, int apiPid, bool statements)
    {
        if (statements)
        {
            await using var reset = db.CreateCommand("select pg_stat_statements_reset()");
            await reset.ExecuteNonQueryAsync();
        }
        var probe = new Probe(db, apiPid, await ProcessCpu.PostmasterAsync(db), statements, await DatabaseCounters.ReadAsync(db));
        probe._sampler = Task.Run(() => probe.SampleAsync(probe._stop.Token));
        return probe;
    }

    /// <summary>Ends the window; figures per operation (a booking, a read) under <paramref name="prefix"/>.</summary>
    public async Task<Dictionary<string, object>> StopAsync(string prefix, long operations)
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        var api = _apiPid > 0 ? ProcessCpu.Seconds(_apiPid) - _apiCpu : 0;
        var postgres = ProcessCpu.PostgresSeconds(_postmaster) - _postgresCpu;
        var busy = _host.BusySince();
        await _stop.CancelAsync();
        if (_sampler is not null) await _sampler;
        var (commits, rollbacks, walBytes, walFullPages, checkpoints) = await DatabaseCounters.ReadAsync(_db);
        var ops = Math.Max(1, operations);
        var figures = new Dictionary<string, object>
        {
            [$"{prefix}_api_cpu_us"] = Math.Round(1e6 * api / ops),
            [$"{prefix}_postgres_cpu_us"] = Math.Round(1e6 * postgres / ops),
            [$"{prefix}_api_cpu_pct"] = Math.Round(100 * api / seconds),
            [$"{prefix}_postgres_cpu_pct"] = Math.Round(100 * postgres / seconds),
            [$"{prefix}_host_busy_pct"] = Math.Round(100 * busy),
            [$"{prefix}_xacts_per_op"] = Math.Round((double)(commits - _before.Commits) / ops, 2),
            [$"{prefix}_rollbacks"] = rollbacks - _before.Rollbacks,
            [$"{prefix}_wal_kb_per_op"] = Math.Round((double)(walBytes - _before.WalBytes) / 1024 / ops, 2),
            [$"{prefix}_wal_fpi_per_op"] = Math.Round((double)(walFullPages - _before.WalFullPages) / ops, 2),
            [$"{prefix}_checkpoints"] = checkpoints - _before.Checkpoints,
        };
        Stats.Log($"  CPU per operation: API {figures[$"{prefix}_api_cpu_us"]} us, postgres {figures[$"{prefix}_postgres_cpu_us"]} us "
            + $"(API {figures[$"{prefix}_api_cpu_pct"]}%, postgres {figures[$"{prefix}_postgres_cpu_pct"]}% of one core; host {figures[$"{prefix}_host_busy_pct"]}% busy of {Environment.ProcessorCount} cores, load average {HostCpu.LoadAverage()})");
        Stats.Log($"  database: {figures[$"{prefix}_xacts_per_op"]} transactions per operation (projection pages included), {figures[$"{prefix}_rollbacks"]} rollbacks (any cause: read-only transactions ended without commit count too)");
        Stats.Log($"  WAL (whole cluster): {figures[$"{prefix}_wal_kb_per_op"]} kB and {figures[$"{prefix}_wal_fpi_per_op"]} full-page images per operation, {figures[$"{prefix}_checkpoints"]} checkpoints begun");
        var waits = _waits.OrderByDescending(w => w.Value).Take(8).Select(w => $"{w.Key} {(double)w.Value / Math.Max(1, _samples):F2}");
        Stats.Log($"  waits (mean backends per sample, {_samples} samples): {string.Join(", ", waits)}");
        if (_statements) figures[$"{prefix}_statements_per_op"] = await StatementsAsync(ops);
        return figures;
    }

    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _db.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            select coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, 'running'), count(*)
            from pg_stat_activity
            where datname = current_database() and state <> 'idle' and backend_type = 'client backend' and pid <> pg_backend_pid()
            group by 1
            union all
            select 'ungranted pg_locks', count(*) from pg_locks where not granted
            """, connection);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
                {
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        var key = reader.GetString(0);
                        _waits[key] = _waits.GetValueOrDefault(key) + reader.GetInt64(1);
                    }
                }
                _samples++;
                await Task.Delay(10, cancellationToken);
            }
        }
        catch (OperationCanceledException) { }
    }

    private async Task<double> StatementsAsync(long ops)
    {
        await using var command = _db.CreateCommand("""
            select calls, total_exec_time, rows, regexp_replace(left(query, 110), '\s+', ' ', 'g')
            from pg_stat_statements
            where dbid = (select oid from pg_database where datname = current_database())
            order by total_exec_time desc
            """);
        await using var reader = await command.ExecuteReaderAsync();
        long calls = 0;
        var shown = 0;
        while (await reader.ReadAsync())
        {
            calls += reader.GetInt64(0);
            if (shown++ < 10)
                Stats.Log($"    {(double)reader.GetInt64(0) / ops,6:F2} calls/op {1000 * reader.GetDouble(1) / ops,7:F1} us/op {(double)reader.GetInt64(2) / ops,8:F1} rows/op  {reader.GetString(3)}");
        }
        return Math.Round((double)calls / ops, 2);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_sampler is not null) await _sampler;
        _stop.Dispose();
    }
}

/// <summary>The database's transactions and rollbacks, and the cluster's WAL and checkpoints begun, at one instant.</summary>
internal sealed record DatabaseCounters(long Commits, long Rollbacks, decimal WalBytes, long WalFullPages, long Checkpoints)
{
    public static async Task<DatabaseCounters> ReadAsync(NpgsqlDataSource db)
    {
        // The statistics collector publishes at most every 10 ms or so: a fresh snapshot per call.
        await using var command = db.CreateCommand("""
            select pg_stat_clear_snapshot();
            select d.xact_commit, d.xact_rollback, w.wal_bytes, w.wal_fpi, b.checkpoints_timed + b.checkpoints_req
            from pg_stat_database d, pg_stat_wal w, pg_stat_bgwriter b
            where d.datname = current_database()
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return new DatabaseCounters(reader.GetInt64(0), reader.GetInt64(1), reader.GetDecimal(2), reader.GetInt64(3), reader.GetInt64(4));
    }
}
