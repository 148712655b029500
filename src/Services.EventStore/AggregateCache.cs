using System.Collections.Concurrent;

namespace Services.EventStore;

/// <summary>
/// The last state each stream was folded to, so that the next fold reads only the events
/// appended since, and a fold for writing reads nothing at all. A stream only ever grows, so a
/// committed state is never wrong, only behind: an append decided on a state that another node
/// had moved past fails on its expected version and evicts it. An append through this store moves
/// its streams' entries forward as soon as it is queued, as pending: decisions for writing may
/// build on it (their appends commit after it, or fail with it), plain folds only see committed
/// states. States must be immutable and folds pure (deciders' evolve). Bounded: past its capacity,
/// entries are dropped in no particular order and folded again when needed.
/// </summary>
internal sealed class AggregateCache(int capacity)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <param name="pending">True to also serve a state with events not committed yet (for a decision that appends after them).</param>
    public bool TryGet<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, bool pending, out FetchedStream<TState> fetched)
    {
        if (_entries.TryGetValue(streamId, out var found) && found is Entry<TState> entry && (pending || entry.IsCommitted)
            && entry.Evolve == evolve && Equals(entry.Initial, initial))
        {
            fetched = new FetchedStream<TState>(entry.State, entry.Version, ExpectedVersion.Exactly(entry.Version, entry.LastEventId));
            return true;
        }
        fetched = null!;
        return false;
    }

    public void Remember<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, TState state, long version, Guid lastEventId) =>
        Store(streamId, new Entry<TState>(initial, evolve, state, version, lastEventId) { IsCommitted = true });

    /// <summary>
    /// Folds the events of an append just queued into the stream's entry, as pending, when it is
    /// the state they were decided on (its version, and its last event when the append names it);
    /// any other entry is dropped.
    /// </summary>
    public void Advance(string streamId, ExpectedVersion expected, IReadOnlyList<object> events, Guid lastEventId)
    {
        // The entry may change under us (the append before this one is marked committed meanwhile):
        // then look again rather than drop it, or the next decision would have to read the stream
        // while this append is still queued, and fail behind it.
        while (_entries.TryGetValue(streamId, out var entry))
        {
            var decidedOn = entry.Version == expected.Value && (expected.LastEventId is null || expected.LastEventId == entry.LastEventId);
            var advanced = decidedOn ? entry.Advance(events, expected.Value + events.Count, lastEventId) : null;
            if (advanced is null)
            {
                _entries.TryRemove(KeyValuePair.Create(streamId, entry));
                return;
            }
            if (_entries.TryUpdate(streamId, advanced, entry)) return;
        }
    }

    /// <summary>The append that took the stream to <paramref name="version"/>, ending with <paramref name="lastEventId"/>, committed.</summary>
    public void Committed(string streamId, long version, Guid lastEventId)
    {
        if (_entries.TryGetValue(streamId, out var entry) && entry.Version == version && entry.LastEventId == lastEventId && !entry.IsCommitted)
            _entries.TryUpdate(streamId, entry with { IsCommitted = true }, entry);
    }

    public void Forget(string streamId) => _entries.TryRemove(streamId, out _);

    private void Store(string streamId, Entry entry)
    {
        // Two folds of one stream may finish in either order: keep the further one.
        _entries.AddOrUpdate(streamId, entry, (_, existing) => existing.Version > entry.Version ? existing : entry);
        if (_entries.Count > capacity) Trim();
    }

    private void Trim()
    {
        var excess = _entries.Count - capacity * 9 / 10;
        foreach (var key in _entries.Keys)
        {
            if (excess-- <= 0) return;
            _entries.TryRemove(key, out _);
        }
    }

    private abstract record Entry(long Version, Guid LastEventId)
    {
        public bool IsCommitted { get; init; }

        /// <summary>The entry with <paramref name="events"/> folded in, pending; null when the fold throws.</summary>
        public abstract Entry? Advance(IReadOnlyList<object> events, long newVersion, Guid lastEventId);
    }

    private sealed record Entry<TState>(TState Initial, Func<TState, object, TState> Evolve, TState State, long Version, Guid LastEventId) : Entry(Version, LastEventId)
    {
        public override Entry? Advance(IReadOnlyList<object> events, long newVersion, Guid lastEventId)
        {
            var state = State;
            try
            {
                foreach (var @event in events) state = Evolve(state, @event);
            }
#pragma warning disable CA1031 // A fold that cannot take an event only costs the entry: the next fold reads the stream.
            catch (Exception)
#pragma warning restore CA1031
            {
                return null;
            }
            return this with { State = state, Version = newVersion, LastEventId = lastEventId, IsCommitted = false };
        }
    }
}
