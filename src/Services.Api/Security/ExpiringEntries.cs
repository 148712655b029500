using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Services.Api.Security;

/// <summary>
/// Entries by key id that expire after a lifetime, at most a capacity of them: past it, new ones are
/// not kept. Expired ones are swept at most once per second, so that a flood of new ids at capacity
/// does not walk the whole map on every request. A lifetime of zero keeps nothing.
/// </summary>
public sealed class ExpiringEntries<TValue>(TimeSpan lifetime, int capacity, TimeProvider time)
{
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _count;
    private long _nextSweep;

    public int Count => (int)Interlocked.Read(ref _count);

    public bool TryGet(string id, [MaybeNullWhen(false)] out TValue value)
    {
        value = default;
        if (!_entries.TryGetValue(id, out var entry)) return false;
        if (time.GetTimestamp() >= entry.ExpiresAt)
        {
            if (_entries.TryRemove(new KeyValuePair<string, Entry>(id, entry))) Interlocked.Decrement(ref _count);
            return false;
        }
        value = entry.Value;
        return true;
    }

    /// <summary>Keeps (or renews) the entry for a lifetime, unless there is no room for it.</summary>
    public void Set(string id, TValue value)
    {
        if (lifetime <= TimeSpan.Zero) return;
        var now = time.GetTimestamp();
        if (Interlocked.Read(ref _count) >= capacity && !SweptRoom(now)) return;
        var entry = new Entry(value, now + (long)(lifetime.TotalSeconds * time.TimestampFrequency));
        var added = false;
        _entries.AddOrUpdate(id, _ => { added = true; return entry; }, (_, _) => { added = false; return entry; });
        if (added) Interlocked.Increment(ref _count);
    }

    public void Remove(string id)
    {
        if (_entries.TryRemove(id, out _)) Interlocked.Decrement(ref _count);
    }

    public void Clear()
    {
        foreach (var id in _entries.Keys) Remove(id);
    }

    /// <summary>Drops expired entries, at most once per <see cref="SweepInterval"/>; true when that made room.</summary>
    private bool SweptRoom(long now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + (long)(SweepInterval.TotalSeconds * time.TimestampFrequency), due) != due) return false;
        foreach (var (id, entry) in _entries)
        {
            if (now >= entry.ExpiresAt && _entries.TryRemove(new KeyValuePair<string, Entry>(id, entry))) Interlocked.Decrement(ref _count);
        }
        return Interlocked.Read(ref _count) < capacity;
    }

    private sealed record Entry(TValue Value, long ExpiresAt);
}
