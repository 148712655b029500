using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Services.Api.ReadModels;
using Services.Api.Slots;
using Services.EventStore;
using static Services.Api.Listings.ReadModelValues;

namespace Services.Api.Listings;

/// <summary>
/// The first page of an offer's availability as the default query reads it (from now, every status,
/// the default page size), kept in this process while this node runs the catalog shard, so that
/// the most frequent read (an intranet or a mobility app showing an offer's next slots) costs no
/// round trip. A read served from here could have been read from the rows at that instant:
/// <list type="bullet">
/// <item>an offer whose slots a page of events touches leaves the cache before the page's transaction
/// begins, and no page read while a page is being applied is kept;</item>
/// <item>a page holds only slots starting after now, so it is kept until its first slot starts;</item>
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

    /// <summary>About 15 MB of slots; past it the cache starts again empty.</summary>
    public const int MaxSlots = 50_000;

    private readonly ConcurrentDictionary<string, Kept> _offers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _offerOfSlot = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _generation; // moves at every change of state: a fill that began in another generation is dropped
    private bool _running;
    private bool _applying;
    private int _slots;

    private sealed record Kept(Page<SlotResponse> Page, DateTimeOffset FirstStart, long KeptAt);

    /// <summary>The page for <paramref name="offerId"/> at <paramref name="now"/>, when one is kept and still what the rows would give.</summary>
    public bool TryGet(string offerId, DateTimeOffset now, [MaybeNullWhen(false)] out Page<SlotResponse> page)
    {
        if (_offers.TryGetValue(offerId, out var kept) && now <= kept.FirstStart && time.GetElapsedTime(kept.KeptAt) < MaxAge)
        {
            page = kept.Page;
            return true;
        }
        page = null;
        return false;
    }

    /// <summary>Taken before reading the rows of a page to keep, and given back to <see cref="Keep"/>.</summary>
    public long Ticket()
    {
        lock (_gate) return _running && !_applying ? _generation : NoTicket;
    }

    /// <summary>Keeps an offer's default page read after <paramref name="ticket"/>, unless anything changed since.</summary>
    public void Keep(long ticket, string offerId, Page<SlotResponse> page)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (ticket == NoTicket) return;
        lock (_gate)
        {
            if (ticket != _generation) return;
            Forget(offerId);
            if (_slots + page.Data.Count > MaxSlots) Clear();
            _offers[offerId] = new Kept(page, page.Data.Count > 0 ? page.Data[0].Start : DateTimeOffset.MaxValue, time.GetTimestamp());
            foreach (var slot in page.Data) _offerOfSlot[slot.Id] = offerId;
            _slots += page.Data.Count;
        }
    }

    /// <summary>The catalog shard runs on this node from now on.</summary>
    public void Running()
    {
        lock (_gate)
        {
            Clear();
            _running = true;
            _applying = false;
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
                // A new slot may enter its offer's first page; any other event of a slot or an
                // offer changes at most the page that shows it (a slot never moves to another offer or time).
                if (recorded.Data is SlotScheduled scheduled) Forget(scheduled.OfferId);
                var entity = EntityId(recorded.StreamId);
                Forget(_offerOfSlot.GetValueOrDefault(entity) ?? entity);
            }
        }
    }

    public void PageApplied()
    {
        lock (_gate)
        {
            _generation++;
            _applying = false;
        }
    }

    private void Forget(string offerId)
    {
        if (!_offers.TryRemove(offerId, out var kept)) return;
        foreach (var slot in kept.Page.Data) _offerOfSlot.Remove(slot.Id);
        _slots -= kept.Page.Data.Count;
    }

    private void Clear()
    {
        _generation++;
        _offers.Clear();
        _offerOfSlot.Clear();
        _slots = 0;
    }
}
