using System.Diagnostics;
using Npgsql;

namespace Services.EventStore;

/// <summary>
/// Tells feed readers that new events may have committed. Appends in this process wake local
/// readers at once; other nodes hear a NOTIFY, at most one per <see cref="NotifyInterval"/>. An
/// append whose turn has come carries the NOTIFY in its own transaction (no round trip or
/// transaction of its own); the appends after it within the interval carry none, and if no append
/// carries the next one, a NOTIFY is sent alone two intervals after the first of them (one would
/// race the append taking the next turn). Under steady appends that never happens: a NOTIFY sent
/// alone every interval cost a lone writer about a fifth of its appends per second (BENCHMARKS.md).
/// PostgreSQL serializes the commits of notifying transactions on one global lock, held until the
/// commit is flushed, so only one append per interval takes it. Other nodes hear of a commit at
/// most two intervals later; local readers are woken at once. A lost wake-up only delays readers,
/// who also poll. Commits of one store are sequential (one committer), so an append that carried
/// the NOTIFY announced every commit before it.
/// </summary>
public sealed class FeedNotifier : IAsyncDisposable
{
    public const string Channel = "es_events";

    /// <summary>About the shortest time between two NOTIFYs of one store (one sent alone may follow one carried by an append sooner).</summary>
    public static readonly TimeSpan NotifyInterval = TimeSpan.FromMilliseconds(25);

    private readonly NpgsqlDataSource _dataSource;
    private readonly SemaphoreSlim _notifyRequested = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;
    private readonly Timer _trailing;
    private TaskCompletionSource _changed = NewSignal();
    private Task? _listener;
    private long _lastNotifyAt; // Stopwatch timestamp of the last NOTIFY sent or carried (0: none yet)
    private int _unannounced; // 1 while a commit is announced by no NOTIFY
    private int _trailingArmed;

    internal FeedNotifier(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _trailing = new Timer(_ => SendTrailing(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _sender = Task.Run(SendNotificationsAsync);
    }

    /// <summary>
    /// The NOTIFY an append carries. Its payload is the appending transaction's id, so that a
    /// listener can tell which commit woke it (the ones sent alone carry none).
    /// </summary>
    internal static NpgsqlBatchCommand NotifyCommand() => new($"select pg_notify('{Channel}', pg_current_xact_id()::text)");

    /// <summary>
    /// True when the append about to commit should carry the NOTIFY (<see cref="NotifyCommand"/>):
    /// none for <see cref="NotifyInterval"/>. It then counts as sent, whether or not it commits.
    /// </summary>
    internal bool TakeTurn()
    {
        var last = Volatile.Read(ref _lastNotifyAt);
        if (last != 0 && Stopwatch.GetElapsedTime(last) < NotifyInterval) return false;
        return Interlocked.CompareExchange(ref _lastNotifyAt, Stopwatch.GetTimestamp(), last) == last;
    }

    /// <summary>
    /// Completes at the next wake-up. Take it before reading the feed, then await it only if the
    /// read found nothing: a commit in between cannot be missed.
    /// </summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    /// <summary>
    /// Called after a commit: wakes local readers. Other nodes heard of it when the commit carried
    /// the NOTIFY (<paramref name="announced"/>); otherwise one is sent alone two intervals later,
    /// unless an append carries one first.
    /// </summary>
    internal void Pulse(bool announced)
    {
        WakeLocal();
        if (announced)
        {
            Volatile.Write(ref _unannounced, 0);
            if (Interlocked.Exchange(ref _trailingArmed, 0) == 1) ChangeTrailing(Timeout.InfiniteTimeSpan);
            return;
        }
        Volatile.Write(ref _unannounced, 1);
        if (Interlocked.Exchange(ref _trailingArmed, 1) == 0) ChangeTrailing(2 * NotifyInterval);
    }

    private void ChangeTrailing(TimeSpan dueIn)
    {
        try { _trailing.Change(dueIn, Timeout.InfiniteTimeSpan); }
        catch (ObjectDisposedException) { /* the store is closing: nobody is left to notify */ }
    }

    /// <summary>No append carried a NOTIFY for the commits since the last one: the sender sends it alone.</summary>
    private void SendTrailing()
    {
        Volatile.Write(ref _trailingArmed, 0);
        if (Interlocked.Exchange(ref _unannounced, 0) == 0) return;
        Volatile.Write(ref _lastNotifyAt, Stopwatch.GetTimestamp());
        try { _notifyRequested.Release(); }
        catch (SemaphoreFullException) { /* a NOTIFY is already due and will cover these commits */ }
        catch (ObjectDisposedException) { /* the store is closing */ }
    }

    /// <summary>Starts listening to other nodes' appends (idempotent). Readers on other nodes need this.</summary>
    public void StartListening()
    {
        lock (_stopping)
        {
            _listener ??= Task.Run(ListenAsync);
        }
    }

    /// <summary>Waits for a wake-up or the timeout, whichever comes first; never throws on timeout.</summary>
    /// <remarks>
    /// The timeout is the common case for those who poll (the shared feed reader on a quiet feed, the
    /// daemon's coordinator every interval), so it is not thrown and caught: an exception costs far
    /// more CPU and memory than the wait. Cancellation still throws.
    /// </remarks>
    public static async Task WaitAsync(Task changed, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        await changed.WaitAsync(timeout, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        cancellationToken.ThrowIfCancellationRequested();
    }

    private void WakeLocal() => Interlocked.Exchange(ref _changed, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task SendNotificationsAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _notifyRequested.WaitAsync(token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            await TryNotifyAsync(token);
        }
    }

    private async Task TryNotifyAsync(CancellationToken cancellationToken)
    {
        try
        {
            await using var command = _dataSource.CreateCommand($"select pg_notify('{Channel}', '')");
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        catch (NpgsqlException)
        {
            // The database is away; readers poll, and the next commit asks again.
        }
    }

    private async Task ListenAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await using var connection = await _dataSource.OpenConnectionAsync(token);
                try
                {
                    connection.Notification += (_, _) => WakeLocal();
                    await using (var listen = new NpgsqlCommand($"listen {Channel}", connection))
                    {
                        await listen.ExecuteNonQueryAsync(token);
                    }
                    // Anything committed while we were not listening: let readers look.
                    WakeLocal();
                    while (!token.IsCancellationRequested) await connection.WaitAsync(token);
                }
                finally
                {
                    await UnlistenAsync(connection);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), token).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>
    /// Pooled connections are not reset when closed (see <see cref="EventStoreDataSource"/>): one
    /// still listening would keep receiving notifications nobody reads.
    /// </summary>
    private static async Task UnlistenAsync(NpgsqlConnection connection)
    {
        if (connection.State != System.Data.ConnectionState.Open) return;
        try
        {
            await using var unlisten = new NpgsqlCommand("unlisten *", connection);
            await unlisten.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
        {
            // A broken connection is not returned to the pool.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _trailing.DisposeAsync();
        // The last commits must not wait for other nodes' polling because this store is closing.
        if (Interlocked.Exchange(ref _unannounced, 0) == 1)
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await TryNotifyAsync(patience.Token);
        }
        await _stopping.CancelAsync();
        await _sender;
        if (_listener is not null) await _listener;
        _stopping.Dispose();
        _notifyRequested.Dispose();
    }
}
