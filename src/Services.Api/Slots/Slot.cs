using System.Collections.Immutable;
using Services.Api.Common;

namespace Services.Api.Slots;

public sealed record SlotScheduled(string SlotId, string OfferId, DateTimeOffset Start, DateTimeOffset End, int Capacity);

public sealed record SlotCapacityChanged(int Capacity);

/// <summary>Ends every booking of the slot; they are cancelled on their own streams in the same append.</summary>
public sealed record SlotCancelled(string Reason);

public sealed record SeatReserved(string BookingId, string CompanyId, int Quantity);

public sealed record SeatReleased(string BookingId, int Quantity);

public sealed record WaitlistJoined(string BookingId, string CompanyId, int Quantity, int Position);

public sealed record WaitlistLeft(string BookingId);

/// <summary>The waitlisted booking now holds its seats.</summary>
public sealed record WaitlistPromoted(string BookingId, int Quantity);

public sealed record WaitlistExpired(IReadOnlyList<string> BookingIds);

public sealed record WaitlistEntry(string BookingId, string CompanyId, int Quantity);

public sealed record SlotState(
    string Id,
    string OfferId,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Capacity,
    SeatHolds Confirmed,
    ImmutableList<WaitlistEntry> Waitlist,
    bool Cancelled)
{
    public int Reserved => Confirmed.Total;

    public int Remaining => Capacity - Reserved;

    public bool HasStarted(DateTimeOffset now) => now >= Start;
}

public static partial class Slot
{
    public const string StreamType = "slot";

    public static string StreamId(string slotId) => $"slot-{slotId}";

    public static SlotState? Evolve(SlotState? state, object @event) => state is null
        ? @event is SlotScheduled e
            ? new SlotState(e.SlotId, e.OfferId, e.Start, e.End, e.Capacity, SeatHolds.None, [], Cancelled: false)
            : null
        : Apply(state, @event);

    /// <summary>Evolves an existing slot; deciders use it to see the slot as their own events leave it.</summary>
    internal static SlotState Apply(SlotState state, object @event) => @event switch
    {
        SlotCapacityChanged e => state with { Capacity = e.Capacity },
        SlotCancelled => state with { Cancelled = true, Confirmed = SeatHolds.None, Waitlist = [] },
        SeatReserved e => state with { Confirmed = state.Confirmed.Hold(e.BookingId, e.Quantity) },
        SeatReleased e => state with { Confirmed = state.Confirmed.Release(e.BookingId) },
        WaitlistJoined e => state with { Waitlist = state.Waitlist.Add(new WaitlistEntry(e.BookingId, e.CompanyId, e.Quantity)) },
        WaitlistLeft e => state with { Waitlist = state.Waitlist.RemoveAll(w => w.BookingId == e.BookingId) },
        WaitlistPromoted e => state with
        {
            Waitlist = state.Waitlist.RemoveAll(w => w.BookingId == e.BookingId),
            Confirmed = state.Confirmed.Hold(e.BookingId, e.Quantity),
        },
        WaitlistExpired e => state with { Waitlist = state.Waitlist.RemoveAll(w => e.BookingIds.Contains(w.BookingId)) },
        _ => state,
    };

    internal static Refusal NotFound(string slotId) =>
        Decision.Refuse("slot_not_found", $"Slot {slotId} does not exist.");

    internal static Refusal Cancelled(SlotState slot) =>
        Decision.Refuse("slot_cancelled", $"Slot {slot.Id} is cancelled.");

    internal static Refusal Started(SlotState slot) =>
        Decision.Refuse("slot_started", $"Slot {slot.Id} started at {slot.Start:u}.");

    internal static Refusal NotStarted(SlotState slot) =>
        Decision.Refuse("slot_not_started", $"Slot {slot.Id} starts at {slot.Start:u}.");
}
