using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Services.Api.Slots;
using Services.EventStore;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Catalog;

/// <summary>
/// The first page of an offer's availability as the default query reads it (from now, every status,
/// the default page size), serialized, kept in this process while this node runs the catalog shard,
/// so that the most frequent read (an intranet or a mobility app showing an offer's next slots)
/// costs neither a round trip nor a serialization. A read served from here could have been read
/// from the rows at that instant:
/// <list type="bullet">
/// <item>an offer whose slots a page of events touches leaves the cache before the page's transaction
/// begins, and nothing read while a page is being applied is kept;</item>
/// <item>a page holds the slots starting at or after the instant it was read for, so it serves
/// later instants until its first slot starts (a slot that has started shows no room);</item>
/// <item>a read that waited for a position (read-your-writes) is served only if this node applied it;</item>
/// <item>when the shard stops running here (stopped, lost, reset), the cache empties and keeps
/// nothing until it runs here again: another node would change the rows unseen.</item>
/// </list>
/// <see cref="MaxAge"/> bounds what the cache could serve if this node lost the shard without
/// noticing yet (its connection cut, another node taking over before its next statement fails).
/// </summary>
public sealed class AvailabilityCache(TimeProvider time)
{
    /// <summary>A fill that must not be kept (the shard is not running here, or a page is being applied).</summary>
    public const long NoTicket = -1;

    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    /// <summary>About 15 MB of slots; past it, pages older than <see cref="MaxAge"/> go, then all of them.</summary>
    public const int MaxSlots = 50_000;

    private readonly ConcurrentDictionary<string, Kept> _offers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _offerOfSlot = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _generation; // moves at every change of state: a fill that began in another generation is dropped
    private bool _running;
    private bool _applying;
    private FeedPosition _applied;
    private int _slots;

    /// <param name="Since">The instant the page was read for: it holds the slots starting at or after it.</param>
    private sealed record Kept(byte[] Json, string[] SlotIds, DateTimeOffset Since, DateTimeOffset FirstStart, long KeptAt);

    /// <summary>
    /// The page for <paramref name="offerId"/> at <paramref name="now"/> as JSON, when one is kept and
    /// still what the rows would give, and includes <paramref name="atLeast"/> when given.
    /// </summary>
    public bool TryGet(string offerId, DateTimeOffset now, FeedPosition? atLeast, [MaybeNullWhen(false)] out byte[] json)
    {
        json = null;
        if (!_offers.TryGetValue(offerId, out var kept) || now < kept.Since || now >= kept.FirstStart || time.GetElapsedTime(kept.KeptAt) >= MaxAge) return false;
        if (atLeast is { } wanted)
        {
            lock (_gate)
            {
                if (wanted > _applied) return false;
            }
        }
        json = kept.Json;
        return true;
    }

    /// <summary>Taken before reading the rows of a page to keep, and given back to <see cref="Keep"/>.</summary>
    public long Ticket()
    {
        lock (_gate) return _running && !_applying ? _generation : NoTicket;
    }

    /// <summary>
    /// Keeps an offer's default page read for <paramref name="since"/> after <paramref name="ticket"/>
    /// (its slots in start order, and their JSON), unless anything changed since the ticket.
    /// </summary>
    public void Keep(long ticket, string offerId, DateTimeOffset since, IReadOnlyList<SlotResponse> slots, byte[] json)
    {
        ArgumentNullException.ThrowIfNull(slots);
        if (ticket == NoTicket) return;
        lock (_gate)
        {
            if (ticket != _generation) return;
            Forget(offerId);
            if (_slots + slots.Count > MaxSlots) Prune();
            var firstStart = slots.Count > 0 ? slots[0].Start : DateTimeOffset.MaxValue;
            _offers[offerId] = new Kept(json, [.. slots.Select(s => s.Id)], since, firstStart, time.GetTimestamp());
            foreach (var slot in slots) _offerOfSlot[slot.Id] = offerId;
            _slots += slots.Count;
        }
    }

    /// <summary>The catalog shard runs on this node from now on, its rows at <paramref name="position"/>.</summary>
    public void Running(FeedPosition position)
    {
        lock (_gate)
        {
            Clear();
            _running = true;
            _applying = false;
            _applied = position;
        }
    }

    /// <summary>The catalog shard no longer runs on this node, or its rows are about to be emptied.</summary>
    public void NotRunning()
    {
        lock (_gate)
        {
            Clear();
            _running = false;
        }
    }

    /// <summary>Forgets every offer whose page these events may change, before they are applied.</summary>
    public void PageApplying(IReadOnlyList<RecordedEvent> page)
    {
        ArgumentNullException.ThrowIfNull(page);
        lock (_gate)
        {
            _generation++;
            _applying = true;
            foreach (var recorded in page)
            {
                // A new slot, or one moved earlier, may enter its offer's first page; any other event of a slot or
                // an offer changes at most the page that shows it (a slot never moves to another offer).
                if (recorded.Data is SlotScheduled scheduled) Forget(scheduled.OfferId);
                if (recorded.Data is SlotRescheduled rescheduled) Forget(rescheduled.OfferId);
                var entity = EntityId(recorded.StreamId);
                Forget(_offerOfSlot.GetValueOrDefault(entity) ?? entity);
            }
        }
    }

    /// <summary>The page committed, or will not: rows read from now on are at <paramref name="position"/>.</summary>
    public void PageApplied(FeedPosition position)
    {
        lock (_gate)
        {
            _generation++;
            _applying = false;
            _applied = position;
        }
    }

    private void Forget(string offerId)
    {
        if (!_offers.TryRemove(offerId, out var kept)) return;
        foreach (var slot in kept.SlotIds) _offerOfSlot.Remove(slot);
        _slots -= kept.SlotIds.Length;
    }

    /// <summary>Makes room: pages too old to be served go first; if that is not enough, all of them.</summary>
    private void Prune()
    {
        foreach (var (offerId, kept) in _offers)
        {
            if (time.GetElapsedTime(kept.KeptAt) >= MaxAge) Forget(offerId);
        }
        if (_slots > MaxSlots / 2) Clear();
    }

    private void Clear()
    {
        _generation++;
        _offers.Clear();
        _offerOfSlot.Clear();
        _slots = 0;
    }
}
