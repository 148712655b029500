using System.Collections.Concurrent;

namespace Services.EventStore;

/// <summary>
/// The last state each stream was folded to, so that the next fold reads only the events
/// appended since, and a fold for writing reads nothing at all. A stream only ever grows, so a
/// cached state is never wrong, only behind: appends through this store move it forward, and an
/// append decided on a state that another node had moved past fails on its expected version and
/// evicts it. States must be immutable and folds pure (deciders' evolve). Bounded: past its
/// capacity, entries are dropped in no particular order and folded again when needed.
/// </summary>
internal sealed class AggregateCache(int capacity)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public bool TryGet<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, out Aggregated<TState> aggregated)
    {
        if (_entries.TryGetValue(streamId, out var found) && found is Entry<TState> entry && entry.Evolve == evolve && Equals(entry.Initial, initial))
        {
            aggregated = new Aggregated<TState>(entry.State, entry.Version);
            return true;
        }
        aggregated = null!;
        return false;
    }

    public void Remember<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, Aggregated<TState> aggregated)
    {
        if (aggregated.Version == 0) return;
        Store(streamId, new Entry<TState>(initial, evolve, aggregated.State, aggregated.Version));
    }

    /// <summary>
    /// Folds events this store has just committed into the stream's entry, when it was at the
    /// version they were appended on; any other entry is dropped.
    /// </summary>
    public void Advance(string streamId, IReadOnlyList<object> events, long newVersion)
    {
        if (!_entries.TryGetValue(streamId, out var entry)) return;
        var advanced = entry.Version == newVersion - events.Count ? entry.Advance(events, newVersion) : null;
        if (advanced is null || !_entries.TryUpdate(streamId, advanced, entry)) _entries.TryRemove(streamId, out _);
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

    private abstract record Entry(long Version)
    {
        /// <summary>The entry with <paramref name="events"/> folded in; null when the fold throws.</summary>
        public abstract Entry? Advance(IReadOnlyList<object> events, long newVersion);
    }

    private sealed record Entry<TState>(TState Initial, Func<TState, object, TState> Evolve, TState State, long Version) : Entry(Version)
    {
        public override Entry? Advance(IReadOnlyList<object> events, long newVersion)
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
            return this with { State = state, Version = newVersion };
        }
    }
}
