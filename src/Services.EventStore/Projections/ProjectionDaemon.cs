using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace Services.EventStore.Projections;

/// <summary>
/// Runs projections as shards, each with its own checkpoint, spread over the nodes that run a daemon
/// on the same database.
/// </summary>
/// <remarks>
/// <para>Ownership: a node runs a shard while it holds the shard's session advisory lock, on a connection
/// it keeps for that purpose (so never through a transaction-pooling proxy). A node that dies loses its
/// locks with its connections, and another node takes its shards over. <c>es_checkpoints.owner</c> and
/// <c>lease_until</c> tell operators who runs what; the lock, not the lease, decides.</para>
/// <para>Spreading: every node holds a presence lock, so live nodes are counted in <c>pg_locks</c>. Every
/// <see cref="ProjectionDaemonOptions.AcquireInterval"/> a node tries to acquire unowned shards up to its
/// fair share, ceil(shards / live nodes), takes any shard that stayed unowned for
/// <see cref="ProjectionDaemonOptions.UnownedGrace"/>, and gives back one shard per round while it holds
/// more than its share and other nodes are alive. All nodes must register the same projections.</para>
/// <para>Processing: see <see cref="IProjection"/>. Each page of up to <see cref="ProjectionDaemonOptions.PageSize"/>
/// events commits with a compare-and-set of the checkpoint; when no row matches, another node moved the
/// checkpoint and this node stops the shard. Shards at the head take their pages from the node's
/// <see cref="SharedFeed"/>, which reads each page once for all of them, wakes on the store's
/// <see cref="FeedNotifier"/> and polls; shards behind it read the feed on their own.</para>
/// <para>Connections: one per running shard plus one for the node, held from the store's data source, and
/// one taken from the pool for each read of the shared feed.</para>
/// </remarks>
public sealed class ProjectionDaemon : IAsyncDisposable
{
    /// <summary>Lag beyond this many events is reported as this many.</summary>
    public const long MaxCountedLag = 100_000;

    private readonly EventStore _store;
    private readonly IReadOnlyList<IProjection> _projections;
    private readonly string[] _names;
    private readonly ConcurrentDictionary<string, ShardRunner> _runners = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _unownedSince = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private readonly int _rotation;
    private CancellationTokenSource? _stopping;
    private volatile bool _stopBounded;
    private Task _coordinator = Task.CompletedTask;
    private Task _feedReader = Task.CompletedTask;
    private NpgsqlConnection? _nodeConnection;
    private TaskCompletionSource _progress = NewSignal();
    private TaskCompletionSource _coordinatorWake = NewSignal();

    public ProjectionDaemon(EventStore store, IEnumerable<IProjection> projections, ProjectionDaemonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(projections);
        _store = store;
        Options = options ?? new ProjectionDaemonOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.PageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(Options.PageSize, FeedQuery.MaxPageSize);
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.PageTarget, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxPageInterval, Options.MinPageInterval);
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.LockTimeout, TimeSpan.Zero);
        ArgumentException.ThrowIfNullOrWhiteSpace(Options.NodeId);
        _projections = projections.ToList();
        _names = _projections.Select(p => p.Name).ToArray();
        foreach (var name in _names) ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (_names.Distinct(StringComparer.Ordinal).Count() != _names.Length)
            throw new ArgumentException("Projection names must be unique.", nameof(projections));
        // Nodes start their search for shards at different places, so that they do not all race for the same one.
        _rotation = _names.Length == 0 ? 0 : (int)((uint)StringComparer.Ordinal.GetHashCode(Options.NodeId) % (uint)_names.Length);
        Feed = new SharedFeed(this);
    }

    public ProjectionDaemonOptions Options { get; }

    public string NodeId => Options.NodeId;

    /// <summary>Names of the shards this node runs now.</summary>
    public IReadOnlyCollection<string> OwnedShards => _runners.Keys.Order(StringComparer.Ordinal).ToList();

    internal NpgsqlDataSource DataSource => _store.DataSource;

    internal EventTypeRegistry Registry => _store.Registry;

    internal FeedNotifier Notifier => _store.Notifier;

    /// <summary>The node's one reader of the feed's head, shared by its caught-up shards.</summary>
    internal SharedFeed Feed { get; }

    /// <summary>Creates missing checkpoint rows and starts acquiring shards. Returns at once.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(cancellationToken);
        try
        {
            if (_stopping is not null) return;
            await using (var connection = await DataSource.OpenConnectionAsync(cancellationToken))
            {
                await CheckLockKeysAsync(connection, cancellationToken);
                await using var ensure = new NpgsqlCommand(ProjectionSql.EnsureCheckpoints, connection);
                ensure.Parameters.Add(new NpgsqlParameter { Value = _names });
                await ensure.ExecuteNonQueryAsync(cancellationToken);
            }
            Notifier.StartListening();
            _stopBounded = false;
            _stopping = new CancellationTokenSource();
            var token = _stopping.Token;
            if (_projections.Count > 0) _feedReader = Task.Run(() => Feed.RunAsync(token), CancellationToken.None);
            _coordinator = Task.Run(() => CoordinateAsync(token), CancellationToken.None);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Stops every shard between pages and releases them to other nodes. When <paramref name="cancellationToken"/>
    /// fires first (a host's shutdown timeout), stops waiting and answers the shards that had not stopped (a page
    /// that does not end, a database that does not answer): they go on stopping in the background, and their
    /// locks go with their connections at the latest. Answers none when every shard stopped.
    /// </summary>
    public async Task<IReadOnlyList<string>> StopAsync(CancellationToken cancellationToken = default)
    {
        // Before waiting: a host gives up on this stop when the same token fires, and may dispose the daemon at once,
        // before this method has seen the token fire.
        if (cancellationToken.CanBeCanceled) _stopBounded = true;
        try
        {
            await StopShardsAsync().WaitAsync(cancellationToken);
            return [];
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return [.. _runners.Values.Where(r => !r.HasStopped).Select(r => r.Name).Order(StringComparer.Ordinal)];
        }
    }

    private async Task StopShardsAsync()
    {
        await _lifecycle.WaitAsync();
        try
        {
            if (_stopping is null) return;
            await _stopping.CancelAsync();
            await _coordinator;
            await _feedReader;
            await Task.WhenAll(_runners.Values.Select(r => r.StopAsync()));
            _runners.Clear();
            await CloseNodeConnectionAsync();
            _stopping.Dispose();
            _stopping = null;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Same as <see cref="StopAsync"/>; the daemon can be started again. After a stop bounded by a token (done, or given
    /// up on), does not wait for it again: disposing is the end of the node, which shards still stopping must not hold up.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stopBounded) await StopAsync();
    }

    /// <summary>
    /// Truncates the shard's read model and sets its checkpoint back to the start in one transaction,
    /// done by whichever node runs the shard (this one or another). Returns once the reset committed;
    /// the shard then catches up (status 'rebuilding', then 'running'). During that catch-up an event
    /// that keeps failing stops the shard (status 'failed') instead of going to the dead letters;
    /// a new rebuild restarts it. Throws <see cref="TimeoutException"/> if no node reset it in time.
    /// </summary>
    public async Task RebuildAsync(string name, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (!_names.Contains(name, StringComparer.Ordinal)) throw new ArgumentException($"No projection named '{name}'.", nameof(name));
        await using (var request = DataSource.CreateCommand(ProjectionSql.RequestRebuild))
        {
            request.Parameters.Add(new NpgsqlParameter { Value = name });
            await request.ExecuteNonQueryAsync(cancellationToken);
        }
        if (_runners.TryGetValue(name, out var runner)) runner.Wake();
        WakeCoordinator();
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(30);
        while (true)
        {
            string? lastError;
            await using (var read = DataSource.CreateCommand("select status, last_error from es_checkpoints where name = $1"))
            {
                read.Parameters.Add(new NpgsqlParameter { Value = name });
                await using var reader = await read.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken) || reader.GetString(0) != ShardStatuses.RebuildRequested) return;
                lastError = reader.IsDBNull(1) ? null : reader.GetString(1);
            }
            if (deadline.Elapsed > limit)
                throw new TimeoutException($"No node reset projection '{name}' within {limit}" + (lastError is null ? "." : $"; the last attempt failed: {lastError}"));
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }

    /// <summary>
    /// Read-your-writes: waits until the shard's checkpoint is at or past <paramref name="position"/>
    /// (e.g. an append's <see cref="AppendResult.LastPosition"/>). False when the timeout came first.
    /// </summary>
    public async Task<bool> WaitForPositionAsync(string name, FeedPosition position, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(name);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            // Take the signal before reading: progress in between cannot be missed.
            var progress = Volatile.Read(ref _progress).Task;
            if (await ReadPositionAsync(name, cancellationToken) >= position) return true;
            var remaining = timeout - deadline.Elapsed;
            if (remaining <= TimeSpan.Zero) return false;
            // Shards of this node signal progress; other nodes' progress is polled.
            var poll = remaining < TimeSpan.FromMilliseconds(50) ? remaining : TimeSpan.FromMilliseconds(50);
            await FeedNotifier.WaitAsync(progress, poll, cancellationToken);
        }
    }

    /// <summary>Every checkpoint in the database (not only this node's): position, lag, owner, status, last error.</summary>
    public async Task<IReadOnlyList<ShardStatus>> GetStatusAsync(CancellationToken cancellationToken = default)
    {
        await using var command = DataSource.CreateCommand(ProjectionSql.Status);
        command.Parameters.Add(new NpgsqlParameter { Value = MaxCountedLag });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var statuses = new List<ShardStatus>();
        while (await reader.ReadAsync(cancellationToken))
        {
            statuses.Add(new ShardStatus(
                Name: reader.GetString(0),
                Position: new FeedPosition(reader.GetFieldValue<ulong>(1), reader.GetInt64(2)),
                LagEvents: reader.GetInt64(8),
                LagAge: reader.GetFieldValue<TimeSpan>(9),
                Owner: reader.IsDBNull(3) ? null : reader.GetString(3),
                LeaseUntil: reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
                Status: reader.GetString(5),
                LastError: reader.IsDBNull(6) ? null : reader.GetString(6),
                UpdatedAt: reader.GetFieldValue<DateTimeOffset>(7),
                DeadLetters: reader.GetInt64(10)));
        }
        return statuses;
    }

    internal void ReportError(string? shard, Exception error)
    {
        try
        {
            Options.OnError?.Invoke(shard, error);
        }
#pragma warning disable CA1031 // A faulty error callback must not stop the daemon.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    internal void SignalProgress() => Interlocked.Exchange(ref _progress, NewSignal()).TrySetResult();

    internal void WakeCoordinator() => Interlocked.Exchange(ref _coordinatorWake, NewSignal()).TrySetResult();

    private async Task<FeedPosition> ReadPositionAsync(string name, CancellationToken cancellationToken)
    {
        await using var read = DataSource.CreateCommand(ProjectionSql.ReadPosition);
        read.Parameters.Add(new NpgsqlParameter { Value = name });
        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1))
            : FeedPosition.Start;
    }

    private async Task CheckLockKeysAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var hash = new NpgsqlCommand(ProjectionSql.HashNames, connection);
        hash.Parameters.Add(new NpgsqlParameter { Value = _names });
        var seen = new Dictionary<int, string>();
        await using var reader = await hash.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!seen.TryAdd(reader.GetInt32(1), reader.GetString(0)))
                throw new InvalidOperationException($"Projections '{seen[reader.GetInt32(1)]}' and '{reader.GetString(0)}' share a lock key; rename one.");
        }
    }

    private async Task CoordinateAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _coordinatorWake).Task;
            try
            {
                await CoordinateOnceAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                // The database is away: start again with a new node connection next round.
                ReportError(null, ex);
                await CloseNodeConnectionAsync();
            }
            try
            {
                await FeedNotifier.WaitAsync(wake, Options.AcquireInterval, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task CoordinateOnceAsync(CancellationToken cancellationToken)
    {
        // Shards that stopped by themselves (lost, failed, broken connection): let them go.
        foreach (var finished in _runners.Values.Where(r => r.Completion.IsCompleted).ToList())
        {
            _runners.TryRemove(finished.Name, out _);
            await finished.StopAsync();
        }

        var connection = await NodeConnectionAsync(cancellationToken);
        await using (var renew = new NpgsqlCommand(ProjectionSql.RenewLeases, connection))
        {
            renew.Parameters.Add(new NpgsqlParameter { Value = NodeId });
            renew.Parameters.Add(new NpgsqlParameter { Value = Options.LeaseDuration });
            renew.Parameters.Add(new NpgsqlParameter { Value = _runners.Keys.ToArray() });
            await renew.ExecuteNonQueryAsync(cancellationToken);
        }
        var shards = new Dictionary<string, (bool Held, string Status)>(StringComparer.Ordinal);
        long liveNodes = 1;
        await using (var survey = new NpgsqlCommand(ProjectionSql.Survey, connection))
        {
            survey.Parameters.Add(new NpgsqlParameter { Value = _names });
            await using var reader = await survey.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                shards[reader.GetString(0)] = (reader.GetBoolean(1), reader.GetString(2));
                liveNodes = Math.Max(1, reader.GetInt64(3));
            }
        }

        var fairShare = (int)((_names.Length + liveNodes - 1) / liveNodes);
        var now = Stopwatch.GetTimestamp();
        for (var i = 0; i < _projections.Count; i++)
        {
            var projection = _projections[(i + _rotation) % _projections.Count];
            var name = projection.Name;
            var (held, status) = shards[name];
            if (_runners.ContainsKey(name) || held || status == ShardStatuses.Failed)
            {
                _unownedSince.Remove(name);
                continue;
            }
            _unownedSince.TryAdd(name, now);
            var overdue = Stopwatch.GetElapsedTime(_unownedSince[name], now) >= Options.UnownedGrace;
            if (_runners.Count >= fairShare && !overdue) continue;
            var runner = await ShardRunner.TryStartAsync(this, projection, cancellationToken);
            if (runner is null) continue;
            _unownedSince.Remove(name);
            _runners[name] = runner;
        }

        // Give one shard back per round while holding more than a fair share: another node takes it.
        if (liveNodes > 1 && _runners.Count > fairShare)
        {
            var surplus = _runners.Values.OrderBy(r => r.Name, StringComparer.Ordinal).Last();
            _runners.TryRemove(surplus.Name, out _);
            await surplus.StopAsync();
        }
    }

    private async Task<NpgsqlConnection> NodeConnectionAsync(CancellationToken cancellationToken)
    {
        if (_nodeConnection is { FullState: System.Data.ConnectionState.Open }) return _nodeConnection;
        await CloseNodeConnectionAsync();
        var connection = await DataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            // The presence lock: held while this node is alive, counted by every node.
            await using var presence = new NpgsqlCommand(ProjectionSql.LockNode, connection);
            presence.Parameters.Add(new NpgsqlParameter { Value = NodeId });
            if (!(bool)(await presence.ExecuteScalarAsync(cancellationToken))!)
                throw new InvalidOperationException($"Another running daemon uses the node id '{NodeId}'; node ids must be unique.");
        }
        catch
        {
            await ShardRunner.CloseAsync(connection);
            throw;
        }
        _nodeConnection = connection;
        return connection;
    }

    private async Task CloseNodeConnectionAsync()
    {
        if (_nodeConnection is null) return;
        var connection = _nodeConnection;
        _nodeConnection = null;
        await ShardRunner.CloseAsync(connection);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
