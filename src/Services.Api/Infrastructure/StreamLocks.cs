namespace Services.Api.Infrastructure;

/// <summary>
/// In-process locks per stream id. Commands on the same streams queue here instead of racing to
/// the database and failing on version conflicts (a hot slot would otherwise turn into a retry
/// storm). Locks are taken in ordinal order so two commands cannot deadlock. Across nodes the
/// expected versions still decide.
/// </summary>
public sealed class StreamLocks
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public async Task<IDisposable> AcquireAsync(IEnumerable<string> streamIds, CancellationToken cancellationToken)
    {
        var ordered = streamIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var held = new Held(this);
        try
        {
            foreach (var id in ordered)
            {
                var entry = Reference(id);
                await held.WaitAsync(id, entry, cancellationToken);
            }
            return held;
        }
        catch
        {
            held.Dispose();
            throw;
        }
    }

    private Entry Reference(string id)
    {
        lock (_entries)
        {
            if (!_entries.TryGetValue(id, out var entry)) _entries[id] = entry = new Entry();
            entry.References++;
            return entry;
        }
    }

    /// <param name="taken">Whether this holder got the gate (a waiter that gave up did not, and must not open it for the one that has it).</param>
    private void Release(string id, Entry entry, bool taken)
    {
        if (taken) entry.Gate.Release();
        lock (_entries)
        {
            if (--entry.References == 0)
            {
                _entries.Remove(id);
                entry.Gate.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);
        public int References { get; set; }
    }

    private sealed class Held(StreamLocks owner) : IDisposable
    {
        private readonly List<(string Id, Entry Entry, bool Taken)> _held = [];

        public async Task WaitAsync(string id, Entry entry, CancellationToken cancellationToken)
        {
            _held.Add((id, entry, false));
            await entry.Gate.WaitAsync(cancellationToken);
            _held[^1] = (id, entry, true);
        }

        public void Dispose()
        {
            for (var i = _held.Count - 1; i >= 0; i--) owner.Release(_held[i].Id, _held[i].Entry, _held[i].Taken);
            _held.Clear();
        }
    }
}
