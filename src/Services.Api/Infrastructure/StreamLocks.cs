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
                held.Add(id, entry);
                await entry.Gate.WaitAsync(cancellationToken);
                entry.Taken = true;
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

    private void Release(string id, Entry entry)
    {
        if (entry.Taken)
        {
            entry.Taken = false;
            entry.Gate.Release();
        }
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
        public bool Taken { get; set; }
    }

    private sealed class Held(StreamLocks owner) : IDisposable
    {
        private readonly List<(string Id, Entry Entry)> _held = [];

        public void Add(string id, Entry entry) => _held.Add((id, entry));

        public void Dispose()
        {
            for (var i = _held.Count - 1; i >= 0; i--) owner.Release(_held[i].Id, _held[i].Entry);
            _held.Clear();
        }
    }
}
