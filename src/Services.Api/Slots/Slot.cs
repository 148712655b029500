using System.Collections.Immutable;
using Services.Api.Common;

namespace Services.Api.Slots;

/// <param name="SlotId">The new slot's id (`slt_…`).</param>
/// <param name="OfferId">The offer (`off_…`) it is a slot of.</param>
/// <param name="Start">When it begins (UTC).</param>
/// <param name="End">When it ends (UTC).</param>
/// <param name="Capacity">Units (seats, places) it offers.</param>
public sealed record SlotScheduled(string SlotId, string OfferId, DateTimeOffset Start, DateTimeOffset End, int Capacity);

/// <param name="Capacity">Units (seats, places) the slot offers from now on.</param>
public sealed record SlotCapacityChanged(int Capacity);

/// <summary>
/// The club moved the slot to another time of the same local day (its offer's time zone), keeping its bookings and
/// waitlist: quota months, demand weeks and subscription days all follow that day, so none of them move. Each booking
/// of the slot gets a booking.rescheduled in the same append.
/// </summary>
/// <param name="OfferId">The slot's offer, whose availability shows the slot at its new time.</param>
/// <param name="PreviousStart">When the slot started before (UTC).</param>
/// <param name="PreviousEnd">When the slot ended before (UTC).</param>
/// <param name="Start">When the slot starts now (UTC).</param>
/// <param name="End">When the slot ends now (UTC).</param>
public sealed record SlotRescheduled(string OfferId, DateTimeOffset PreviousStart, DateTimeOffset PreviousEnd, DateTimeOffset Start, DateTimeOffset End);

/// <summary>Ends every booking of the slot; they are cancelled on their own streams in the same append.</summary>
/// <param name="Reason">The club's words for why, shown with the slot and the bookings it cancelled.</param>
/// <param name="CancelledAt">When the slot was cancelled. Null in cancellations recorded before it was kept (November 2026): they were cancelled when recorded.</param>
public sealed record SlotCancelled(string Reason, DateTimeOffset? CancelledAt = null);

/// <param name="BeneficiaryRef">Whom the seats are for: the booking's beneficiaryRef, the company's own reference (a slot holds one live booking per beneficiary). Null in events recorded before it was kept (November 2026).</param>
/// <param name="BookingId">The booking (`bkg_…`) that holds the units.</param>
/// <param name="CompanyId">The company (`org_…`) that booked.</param>
/// <param name="Quantity">Units taken on the slot.</param>
public sealed record SeatReserved(string BookingId, string CompanyId, int Quantity, string? BeneficiaryRef = null);

/// <param name="BookingId">The booking (`bkg_…`) that gave its units back (cancelled).</param>
/// <param name="Quantity">Units freed on the slot.</param>
public sealed record SeatReleased(string BookingId, int Quantity);

/// <param name="BeneficiaryRef">Whom the booking is for: its beneficiaryRef, the company's own reference (a slot holds one live booking per beneficiary). Null in events recorded before it was kept (November 2026).</param>
/// <param name="BookingId">The booking (`bkg_…`) that waits.</param>
/// <param name="CompanyId">The company (`org_…`) that booked.</param>
/// <param name="Quantity">Units it waits for.</param>
/// <param name="Position">Its place in the slot's waitlist when it joined (1 is next in line).</param>
public sealed record WaitlistJoined(string BookingId, string CompanyId, int Quantity, int Position, string? BeneficiaryRef = null);

/// <param name="BookingId">The waiting booking (`bkg_…`) that left the waitlist (cancelled).</param>
public sealed record WaitlistLeft(string BookingId);

/// <summary>The waitlisted booking now holds its seats.</summary>
/// <param name="BookingId">The booking (`bkg_…`) promoted.</param>
/// <param name="Quantity">Units it now holds on the slot.</param>
public sealed record WaitlistPromoted(string BookingId, int Quantity);

/// <param name="BookingIds">The bookings (`bkg_…`) still waiting when the slot started: they expire.</param>
public sealed record WaitlistExpired(IReadOnlyList<string> BookingIds);

/// <param name="BeneficiaryRef">Null for bookings that joined before their events named the beneficiary (November 2026): they block nobody.</param>
public sealed record WaitlistEntry(string BookingId, string CompanyId, int Quantity, string? BeneficiaryRef);

public sealed record SlotState(
    string Id,
    string OfferId,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Capacity,
    SeatHolds Confirmed,
    ImmutableList<WaitlistEntry> Waitlist,
    BookedBeneficiaries Beneficiaries,
    SlotCancelled? Cancellation)
{
    public bool Cancelled => Cancellation is not null;

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
            ? new SlotState(e.SlotId, e.OfferId, e.Start, e.End, e.Capacity, SeatHolds.None, [], BookedBeneficiaries.None, Cancellation: null)
            : null
        : Apply(state, @event);

    /// <summary>Evolves an existing slot; deciders use it to see the slot as their own events leave it.</summary>
    internal static SlotState Apply(SlotState state, object @event) => @event switch
    {
        SlotCapacityChanged e => state with { Capacity = e.Capacity },
        SlotRescheduled e => state with { Start = e.Start, End = e.End },
        SlotCancelled e => state with { Cancellation = e, Confirmed = SeatHolds.None, Waitlist = [], Beneficiaries = BookedBeneficiaries.None },
        SeatReserved e => state with
        {
            Confirmed = state.Confirmed.Hold(e.BookingId, new SeatHold(e.CompanyId, e.BeneficiaryRef, e.Quantity)),
            Beneficiaries = state.Beneficiaries.Book(e.CompanyId, e.BeneficiaryRef, e.BookingId),
        },
        SeatReleased e => state.Confirmed.ByBooking.TryGetValue(e.BookingId, out var held)
            ? state with
            {
                Confirmed = state.Confirmed.Release(e.BookingId),
                Beneficiaries = state.Beneficiaries.Release(held.CompanyId, held.BeneficiaryRef, e.BookingId),
            }
            : state,
        WaitlistJoined e => state with
        {
            Waitlist = state.Waitlist.Add(new WaitlistEntry(e.BookingId, e.CompanyId, e.Quantity, e.BeneficiaryRef)),
            Beneficiaries = state.Beneficiaries.Book(e.CompanyId, e.BeneficiaryRef, e.BookingId),
        },
        WaitlistLeft e => LeftWaitlist(state, e.BookingId),
        WaitlistPromoted e => Promoted(state, e),
        WaitlistExpired e => e.BookingIds.Aggregate(state, LeftWaitlist),
        _ => state,
    };

    private static SlotState LeftWaitlist(SlotState state, string bookingId)
    {
        var index = state.Waitlist.FindIndex(w => w.BookingId == bookingId);
        if (index < 0) return state;
        var left = state.Waitlist[index];
        return state with { Waitlist = state.Waitlist.RemoveAt(index), Beneficiaries = state.Beneficiaries.Release(left.CompanyId, left.BeneficiaryRef, bookingId) };
    }

    /// <summary>The waiting booking holds its seats now, for the same beneficiary; a promotion already applied changes nothing.</summary>
    private static SlotState Promoted(SlotState state, WaitlistPromoted e)
    {
        var index = state.Waitlist.FindIndex(w => w.BookingId == e.BookingId);
        if (index < 0) return state;
        var waiting = state.Waitlist[index];
        return state with
        {
            Waitlist = state.Waitlist.RemoveAt(index),
            Confirmed = state.Confirmed.Hold(e.BookingId, new SeatHold(waiting.CompanyId, waiting.BeneficiaryRef, e.Quantity)),
        };
    }

    /// <summary>The slot's live bookings: those holding seats (by id), then those waiting (in line).</summary>
    internal static IEnumerable<string> BookingIds(SlotState slot) =>
        slot.Confirmed.ByBooking.Keys.Order(StringComparer.Ordinal).Concat(slot.Waitlist.Select(w => w.BookingId));

    internal static Refusal NotFound(string slotId) =>
        Decision.Refuse("slot_not_found", $"Slot {slotId} does not exist.");

    internal static Refusal Cancelled(SlotState slot) =>
        Decision.Refuse("slot_cancelled", $"Slot {slot.Id} is cancelled.");

    internal static Refusal Started(SlotState slot) => Started(slot.Id, slot.Start);

    internal static Refusal Started(string slotId, DateTimeOffset start) =>
        Decision.Refuse("slot_started", $"Slot {slotId} started at {WireName.Of(start)}.");

    /// <summary>
    /// A beneficiary holds one live booking of a slot: a second (a retry without Idempotency-Key, two managers)
    /// would take their seat twice and be charged twice. Refs are the company's own, so another company's
    /// beneficiary of the same ref is someone else. Promotion confirms waiting bookings only, so it never
    /// gives anyone a second seat either.
    /// </summary>
    internal static Refusal? AlreadyBooked(SlotState slot, string companyId, string beneficiaryRef) =>
        slot.Beneficiaries.BookingOf(companyId, beneficiaryRef) is { } existing
            ? Decision.Refuse("beneficiary_already_booked", $"Beneficiary {beneficiaryRef} already holds booking {existing} on slot {slot.Id}; cancel it before booking again.")
                with { Facts = new Dictionary<string, object> { ["existingBookingId"] = existing } }
            : null;

    internal static Refusal EndsBeforeStart(DateTimeOffset start, DateTimeOffset end) =>
        Decision.Refuse("slot_ends_before_start", $"A slot ends after it starts; got start {WireName.Of(start)} and end {WireName.Of(end)}.");

    internal static Refusal InPast(DateTimeOffset start, DateTimeOffset now) =>
        Decision.Refuse("slot_in_past", $"A slot starts in the future; {WireName.Of(start)} is not after now ({WireName.Of(now)}).");

    internal static Refusal NotStarted(SlotState slot) =>
        Decision.Refuse("slot_not_started", $"Slot {slot.Id} starts at {WireName.Of(slot.Start)}.");
}
