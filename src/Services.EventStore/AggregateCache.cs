using System.Collections.Concurrent;

namespace Services.EventStore;

/// <summary>
/// The last state each stream was folded to, so that the next fold reads only the events
/// appended since. A stream only ever grows, so a cached state is never wrong, only behind: every
/// fold still asks the database for what came after it (one index probe, usually empty), which
/// keeps several nodes correct. States must be immutable and folds pure (deciders' evolve).
/// Bounded: past its capacity, entries are dropped in no particular order and folded again when needed.
/// </summary>
internal sealed class AggregateCache(int capacity)
{
    private readonly ConcurrentDictionary<(string StreamId, Delegate Evolve), Entry> _entries = new();

    public bool TryGet<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, out Aggregated<TState> aggregated)
    {
        if (_entries.TryGetValue((streamId, evolve), out var entry) && Equals(entry.Initial, initial))
        {
            aggregated = new Aggregated<TState>((TState)entry.State!, entry.Version);
            return true;
        }
        aggregated = null!;
        return false;
    }

    public void Remember<TState>(string streamId, TState initial, Func<TState, object, TState> evolve, Aggregated<TState> aggregated)
    {
        if (aggregated.Version == 0) return;
        var entry = new Entry(initial, aggregated.State, aggregated.Version);
        // Two folds of one stream may finish in either order: keep the further one.
        _entries.AddOrUpdate((streamId, evolve), entry, (_, existing) => existing.Version >= entry.Version ? existing : entry);
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

    private sealed record Entry(object? Initial, object? State, long Version);
}
