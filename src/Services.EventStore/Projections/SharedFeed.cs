using System.Diagnostics;
using Npgsql;

namespace Services.EventStore.Projections;

/// <summary>
/// One reader of the feed's head per node: it reads each new page once, deserializes it once, and
/// keeps the last events it read, so that every shard at or near the head takes its pages from
/// memory instead of reading (and decoding) the same page itself.
/// </summary>
/// <remarks>
/// <para>What it keeps is one contiguous run of the feed: every event after <c>_start</c> up to
/// <c>_tail</c>, in feed order. Events are only ever added at the tail (in the order of the feed
/// query, which never lets an event appear behind one already read) and dropped at the start. So
/// for any position inside the run, the events after it are exactly what the feed query would
/// return after it: a shard served from here skips nothing and sees nothing out of order. A shard
/// whose checkpoint lies outside the run (rebuilding, newly taken over, fallen behind) reads the
/// feed on its own until it is inside.</para>
/// <para>Ownership, checkpoints, dead letters and rebuilds stay with each shard: this class only
/// saves reads. After a failed read (the database away, an event that cannot be decoded) it
/// forgets everything and starts again at the head, so shards read on their own, each on its own
/// dead-letter path, until they meet it there.</para>
/// </remarks>
internal sealed class SharedFeed
{
    private readonly ProjectionDaemon _daemon;
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly List<RecordedEvent> _events = [];
    private FeedPosition _start;
    private FeedPosition _tail;
    private bool _following;
    private TaskCompletionSource _advanced = NewSignal();
    private readonly List<Gathering> _gatherings = [];

    public SharedFeed(ProjectionDaemon daemon)
    {
        _daemon = daemon;
        // Enough for a shard a few pages behind the head to stay on the shared run.
        _capacity = Math.Max(4 * daemon.Options.PageSize, 2_000);
    }

    /// <summary>Completes when the run grows (or is dropped). Take it before <see cref="TryTake"/>, then await it if nothing came.</summary>
    public Task Advanced => Volatile.Read(ref _advanced).Task;

    /// <summary>
    /// The events after <paramref name="after"/>, at most <paramref name="limit"/>, when the run covers
    /// that position (an empty list: nothing newer was read yet); null when it does not, and the
    /// shard must read the feed itself.
    /// </summary>
    public IReadOnlyList<RecordedEvent>? TryTake(FeedPosition after, int limit)
    {
        lock (_gate)
        {
            if (!Covers(after)) return null;
            var first = FirstAfter(after);
            return _events.GetRange(first, Math.Min(limit, _events.Count - first));
        }
    }

    /// <summary>
    /// Completes once the run holds <paramref name="count"/> events after <paramref name="after"/>, or
    /// no longer covers that position (at once if either holds already). A gathering shard is woken
    /// once, instead of at every page this reader adds: on this machine a wake-up costs tens of
    /// microseconds of CPU, and seven shards counting at every page were in ~10% of the API's profile
    /// samples during bookings (ops/PERFORMANCE.md, session 13). A gathering nobody awaits any more goes
    /// when the run reaches its count or moves past its position, within a few pages.
    /// </summary>
    public Task Gathered(FeedPosition after, int count)
    {
        lock (_gate)
        {
            if (Reached(after, count)) return Task.CompletedTask;
            var gathering = new Gathering(after, count, NewSignal());
            _gatherings.Add(gathering);
            return gathering.Signal.Task;
        }
    }

    /// <summary>Follows the head until cancelled: a page whenever commits arrive, at most one per <see cref="ProjectionDaemonOptions.MinPageInterval"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var options = _daemon.Options;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Take the signal before reading: a commit in between cannot be missed.
            var changed = _daemon.Notifier.Changed;
            var startedAt = Stopwatch.GetTimestamp();
            int read;
            try
            {
                read = await ReadNextAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // Any failure: shards read on their own meanwhile, each handling it on its own path.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                _daemon.ReportError(null, ex);
                Forget();
                await Delay(options.RetryDelay * 10, cancellationToken);
                continue;
            }
            if (read == options.PageSize) continue;
            try
            {
                await FeedNotifier.WaitAsync(changed, options.PollInterval, cancellationToken);
                var sinceRead = Stopwatch.GetElapsedTime(startedAt);
                if (sinceRead < options.MinPageInterval) await Task.Delay(options.MinPageInterval - sinceRead, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<int> ReadNextAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _daemon.DataSource.OpenConnectionAsync(cancellationToken);
        if (!_following)
        {
            // Start at the head: shards behind it catch up on their own, as they would without this.
            var head = await FeedQuery.ReadHeadAsync(connection, cancellationToken);
            lock (_gate)
            {
                _start = _tail = head;
                _following = true;
            }
        }
        var page = await FeedQuery.ReadPageAsync(connection, _tail, _daemon.Options.PageSize, _daemon.Registry, cancellationToken);
        if (page.Events.Count == 0) return 0;
        List<Gathering> reached;
        lock (_gate)
        {
            _events.AddRange(page.Events);
            _tail = page.Next;
            var surplus = _events.Count - _capacity;
            if (surplus > 0)
            {
                _start = _events[surplus - 1].Position;
                _events.RemoveRange(0, surplus);
            }
            reached = TakeGatherings(g => Reached(g.After, g.Count));
        }
        foreach (var gathering in reached) gathering.Signal.TrySetResult();
        Signal();
        return page.Events.Count;
    }

    private void Forget()
    {
        List<Gathering> dropped;
        lock (_gate)
        {
            _following = false;
            _events.Clear();
            dropped = TakeGatherings(_ => true);
        }
        foreach (var gathering in dropped) gathering.Signal.TrySetResult();
        Signal();
    }

    /// <summary>Removes and returns the gatherings that <paramref name="done"/> selects (call under the gate).</summary>
    private List<Gathering> TakeGatherings(Predicate<Gathering> done)
    {
        var taken = _gatherings.FindAll(done);
        if (taken.Count > 0) _gatherings.RemoveAll(done);
        return taken;
    }

    /// <summary>Whether a gathering is over: the run holds its count, or no longer covers its position (call under the gate).</summary>
    private bool Reached(FeedPosition after, int count) => !Covers(after) || _events.Count - FirstAfter(after) >= count;

    /// <summary>Whether the run holds every event after <paramref name="after"/> (call under the gate).</summary>
    private bool Covers(FeedPosition after) => _following && after >= _start && after <= _tail;

    /// <summary>Index of the first kept event after <paramref name="after"/> (binary search: positions increase).</summary>
    private int FirstAfter(FeedPosition after)
    {
        int low = 0, high = _events.Count;
        while (low < high)
        {
            var middle = (low + high) >>> 1;
            if (_events[middle].Position <= after) low = middle + 1;
            else high = middle;
        }
        return low;
    }

    private void Signal() => Interlocked.Exchange(ref _advanced, NewSignal()).TrySetResult();

    private static async Task Delay(TimeSpan delay, CancellationToken cancellationToken) =>
        await Task.Delay(delay, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record Gathering(FeedPosition After, int Count, TaskCompletionSource Signal);
}
