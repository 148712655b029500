using Npgsql;

namespace Services.EventStore;

/// <summary>
/// Tells feed readers that new events may have committed. Appends in this process wake local
/// readers at once; other nodes hear a NOTIFY sent after the commit. The NOTIFY is sent outside
/// the appending transaction on purpose: PostgreSQL serializes the commits of notifying
/// transactions on one global lock, which would cap concurrent appends at one commit at a time.
/// Several appends that finish together share one NOTIFY, and NOTIFYs are at least
/// <see cref="NotifyInterval"/> apart: under load, one short transaction (and round trip) covers
/// every append of that interval instead of adding one per append. Other nodes hear of a commit at
/// most that much later; local readers are woken at once. A lost wake-up only delays readers,
/// who also poll.
/// </summary>
public sealed class FeedNotifier : IAsyncDisposable
{
    public const string Channel = "es_events";

    /// <summary>The shortest time between two NOTIFYs sent by one process.</summary>
    public static readonly TimeSpan NotifyInterval = TimeSpan.FromMilliseconds(25);

    private readonly NpgsqlDataSource _dataSource;
    private readonly SemaphoreSlim _notifyRequested = new(0, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _sender;
    private TaskCompletionSource _changed = NewSignal();
    private Task? _listener;

    internal FeedNotifier(NpgsqlDataSource dataSource)
    {
        _dataSource = dataSource;
        _sender = Task.Run(SendNotificationsAsync);
    }

    /// <summary>
    /// Completes at the next wake-up. Take it before reading the feed, then await it only if the
    /// read found nothing: a commit in between cannot be missed.
    /// </summary>
    public Task Changed => Volatile.Read(ref _changed).Task;

    /// <summary>Called after a commit: wakes local readers and asks for a NOTIFY to other nodes.</summary>
    public void Pulse()
    {
        WakeLocal();
        if (_notifyRequested.CurrentCount == 0)
        {
            try { _notifyRequested.Release(); }
            catch (SemaphoreFullException) { /* a NOTIFY is already due and will cover this commit */ }
            catch (ObjectDisposedException) { /* the store is closing: nobody is left to notify */ }
        }
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
    public static async Task WaitAsync(Task changed, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changed);
        try
        {
            await changed.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Polling fallback: the caller reads again either way.
        }
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
                await using (var command = _dataSource.CreateCommand($"select pg_notify('{Channel}', '')"))
                {
                    await command.ExecuteNonQueryAsync(token);
                }
                // Appends committed meanwhile ask for the next NOTIFY, which covers them all.
                await Task.Delay(NotifyInterval, token);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException)
            {
                // The database is away; readers poll, and the next append asks again.
            }
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
        await _stopping.CancelAsync();
        await _sender;
        if (_listener is not null) await _listener;
        _stopping.Dispose();
        _notifyRequested.Dispose();
    }
}
