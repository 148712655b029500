using Services.Api.Beneficiaries;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Security;
using Services.Api.Slots;

namespace Services.Api.Bookings;

/// <summary>
/// A booking as the API shows it. <see cref="WaitlistPosition"/> is the booking's current place in
/// the slot's waitlist (1 is next in line) while it waits, otherwise null (booking.waitlisted in the feed gives
/// its place when it joined: a booking ahead leaving moves it up without an event of its own). The beneficiary is the
/// company's own opaque reference. <see cref="Contact"/> is null when no contact details were given;
/// otherwise available (to the company and the offer's club, and to its providers while the booking is confirmed, until 7 days after the slot starts), erased, or withheld (the operator, and providers of a booking cancelled, expired, waitlisted or past that).
/// </summary>
/// <param name="SlotStart">When the booked slot starts; it follows the slot when its club moves it within its day (booking.rescheduled), unless the booking had ended by then.</param>
/// <param name="Quantity">Units (seats, places) booked.</param>
/// <param name="Status">requested (being decided), confirmed (its units are held), waitlisted (waiting for units to free up), cancelled, or expired (the slot started while it was still waiting).</param>
/// <param name="Attendance">What the offer's club or provider recorded once the slot took place: attended or no_show (both charged); null until then.</param>
/// <param name="RequestedAt">When the booking was asked for: the order of the booking list. Absent only from an answer replayed under an Idempotency-Key kept before this field was added.</param>
/// <param name="CancelReason">Why a cancelled booking was cancelled: on_request (by its company), club_request (by the offer's club), operator_request (by the platform's operator) or slot_cancelled (the club cancelled the slot); null otherwise. Cancellations recorded before November 2026 read on_request whoever asked.</param>
/// <param name="SlotCancellation">With cancelReason slot_cancelled: the slot's cancellation, the reason its club gave and when (as the slot shows it); null otherwise. Absent only from an answer replayed under an Idempotency-Key kept before this field was added.</param>
/// <param name="Id">The booking's id (`bkg_…`).</param>
/// <param name="CompanyId">The company that booked (`org_…`), for one of its staff.</param>
/// <param name="CompanyName">The booking company's name now (a renamed company shows its new name), so that a club or a provider, who cannot read the company itself, knows whose staff it serves: from the company in getBooking and the answers of cancelBooking, recordAttendance and recordSlotAttendance, from the insights read model in listBookings (eventually consistent, so a list may show a rename a moment later, and null while that read model is being rebuilt). Null in bookSeat's answer (and its replays), which does not read the company so as not to slow booking: read the booking for it. Absent only from an answer replayed under an Idempotency-Key kept before this field was added.</param>
/// <param name="SubscriptionId">The company's subscription (`sub_…`) whose monthly quota the units count against.</param>
/// <param name="OfferId">The offer (`off_…`) the slot belongs to.</param>
/// <param name="SlotId">The slot (`slt_…`) booked.</param>
/// <param name="BeneficiaryRef">The company's own opaque reference for who uses the units (an HR number, never a name, e-mail or phone): listBookings filters on it.</param>
/// <param name="WaitlistPosition">The booking's current place in the slot's waitlist while it waits (1 is next in line); null when it is not waiting.</param>
/// <param name="Contact">How the offer's club and providers reach the beneficiary, as this reader may see it; null when no contact details were given.</param>
/// <param name="AttendanceRecordedBy">Who recorded the attendance as it stands (the last record, a correction included): the offer's club or one of its providers (`org_…`), or `operator`; null until recorded. Absent only from an answer replayed under an Idempotency-Key kept before this field was added.</param>
/// <param name="AttendanceRecordedAt">When the attendance as it stands was recorded; null until recorded, and for attendance recorded before November 2026 (its instant was not kept). Absent only from an answer replayed under an Idempotency-Key kept before this field was added.</param>
public sealed record BookingResponse(
    string Id,
    string CompanyId,
    [property: AddedLater] string? CompanyName,
    string SubscriptionId,
    string OfferId,
    string SlotId,
    DateTimeOffset SlotStart,
    int Quantity,
    string BeneficiaryRef,
    [property: AddedLater] DateTimeOffset RequestedAt,
    BookingStatus Status,
    int? WaitlistPosition,
    AttendanceOutcome? Attendance,
    [property: AddedLater] CancellationReason? CancelReason,
    [property: AddedLater] SlotCancellation? SlotCancellation,
    [property: AddedLater] BookingContact? Contact,
    [property: AddedLater] string? AttendanceRecordedBy,
    [property: AddedLater] DateTimeOffset? AttendanceRecordedAt)
{
    /// <param name="companyName">The booking company's name now (<see cref="Booking.CompanyAsync"/>); null where the answer does not read it.</param>
    /// <param name="slotCancellation">The cancellation of the booking's slot when it cancelled the booking (<see cref="Booking.SlotCancellationAsync"/>).</param>
    public static BookingResponse From(BookingState state, string? companyName, SlotState? slot, BookingContact? contact, SlotCancellation? slotCancellation) => new(
        state.Id, state.CompanyId, companyName, state.SubscriptionId, state.OfferId, state.SlotId, state.SlotStart, state.Quantity,
        state.BeneficiaryRef, state.RequestedAt, state.Status, Booking.WaitlistPosition(state, slot), state.Attendance, state.CancelReason, slotCancellation, contact,
        state.AttendanceRecordedBy, state.AttendanceRecordedAt);
}

/// <summary>The contact details of bookings as the caller may see them.</summary>
public static class BookingContacts
{
    /// <summary>What a caller who does not open the details sees: nothing when none were given, else withheld.</summary>
    public static BookingContact? Unread(BookingState booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        return booking.Contact is null ? null : BookingContact.Withheld;
    }

    public static async Task<BookingContact?> ShownAsync(BookingState booking, OfferState? offer, Caller caller, DateTimeOffset now, ContactVault vault, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(booking);
        ArgumentNullException.ThrowIfNull(vault);
        return booking.Contact is { } contact && Booking.MayReadContact(booking, offer, caller, now)
            ? await vault.OpenAsync(contact, cancellationToken)
            : Unread(booking);
    }

    /// <summary>
    /// <paramref name="shown"/> as the answer to <paramref name="http"/>'s request; when it shows the
    /// details, a retry's copy of the answer (Idempotency-Key) shows them only while the beneficiary is not erased.
    /// </summary>
    public static BookingContact? Answered(HttpContext http, SealedContact? sealedContact, BookingContact? shown)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (shown is { Status: ContactStatus.Available } && sealedContact is not null)
            http.Features.Set(new PersonalDataInAnswer(sealedContact.KeyId, nameof(BookingResponse.Contact), BookingContact.Erased));
        return shown;
    }
}

public static partial class Booking
{
    public static StreamRef<BookingState> Stream(string bookingId) => new(StreamId(bookingId), StreamType, Evolve);

    public const int MaxQuantity = 50;

    public const int MaxBeneficiaryRef = 64;

    /// <summary>The booking company, the offer's club and providers, and the operator; to anyone else it does not exist.</summary>
    public static bool IsVisibleTo(BookingState booking, OfferState? offer, Caller caller) =>
        caller.IsOperator
        || caller.OrganizationId == booking.CompanyId
        || offer is not null && (caller.OrganizationId == offer.ClubId || IsProviderOf(offer, caller));

    /// <summary>How long after its slot starts a booking's providers still read its contact details: time to record attendance and follow up.</summary>
    public static readonly TimeSpan ProviderContactWindow = TimeSpan.FromDays(7);

    /// <summary>
    /// Who reads the beneficiary's contact details: the booking company and those who deliver the
    /// service (the offer's club, and its providers for the bookings they deliver: <see cref="ProviderDelivers"/>).
    /// Not the operator: it administers, it does not deliver.
    /// </summary>
    public static bool MayReadContact(BookingState booking, OfferState? offer, Caller caller, DateTimeOffset now) =>
        caller.OrganizationId == booking.CompanyId
        || offer is not null && (caller.OrganizationId == offer.ClubId || IsProviderOf(offer, caller) && ProviderDelivers(booking, now));

    /// <summary>
    /// Whether the offer's providers still need the booking's contact details to deliver it: a confirmed booking, until
    /// <see cref="ProviderContactWindow"/> after its slot starts. A cancelled, expired or waitlisted one will not be
    /// delivered, and past beneficiaries' details are of no use to a provider (or to one listed later).
    /// listBookings reads the same rule in SQL: <see cref="ProviderDeliversSql"/>.
    /// </summary>
    public static bool ProviderDelivers(BookingState booking, DateTimeOffset now) =>
        booking.Status == BookingStatus.Confirmed && now < booking.SlotStart + ProviderContactWindow;

    /// <summary><see cref="ProviderDelivers"/> over the rows <paramref name="bookings"/> of rm_bookings, <paramref name="windowStart"/> now less <see cref="ProviderContactWindow"/>.</summary>
    public static string ProviderDeliversSql(string bookings, string windowStart) =>
        $"{bookings}.status = '{WireName.Of(BookingStatus.Confirmed)}' and {bookings}.slot_start > {windowStart}";

    /// <summary>The booking company, the offer's club and the operator may cancel it.</summary>
    public static bool IsCancellableBy(BookingState booking, OfferState? offer, Caller caller) =>
        caller.IsOperator || caller.OrganizationId == booking.CompanyId || offer is not null && caller.OrganizationId == offer.ClubId;

    /// <summary>The reason a cancellation by <paramref name="caller"/> records: who asked (<see cref="IsCancellableBy"/>).</summary>
    public static CancellationReason CancellationBy(BookingState booking, Caller caller) =>
        caller.OrganizationId == booking.CompanyId ? CancellationReason.OnRequest
        : caller.IsOperator ? CancellationReason.OperatorRequest
        : CancellationReason.ClubRequest;

    /// <summary>Whoever delivers the offer records attendance: its club, its providers, the operator.</summary>
    public static bool IsDeliveredBy(OfferState? offer, Caller caller) =>
        caller.IsOperator || offer is not null && (caller.OrganizationId == offer.ClubId || IsProviderOf(offer, caller));

    /// <summary>A provider the offer lists (an offer published before providers were checked may list another kind: it gets nothing).</summary>
    private static bool IsProviderOf(OfferState offer, Caller caller) =>
        caller.Kind == OrganizationKind.Provider && offer.ProviderIds.Contains(caller.OrganizationId);

    /// <summary>The cancellation of the booking's slot when it is what cancelled the booking; null otherwise.</summary>
    public static async Task<SlotCancellation?> SlotCancellationAsync(EventStore.EventStore store, BookingState booking, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(booking);
        if (booking.CancelReason != CancellationReason.SlotCancelled) return null;
        // A slot's cancellation cancels its bookings in the same append: a booking cancelled by it finds it there.
        var slot = (await store.LoadAsync(Slot.Stream(booking.SlotId), cancellationToken)).State!;
        return await Slot.CancellationAsync(store, slot, cancellationToken);
    }

    /// <summary>The booking company, for its name: a read of its stream, which bookSeat's answer does without.</summary>
    public static async Task<OrganizationState?> CompanyAsync(EventStore.EventStore store, BookingState booking, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(booking);
        return (await store.LoadAsync(Organization.Stream(booking.CompanyId), cancellationToken)).State;
    }

    /// <summary>The slot of a waitlisted booking, for its current place (<see cref="WaitlistPosition"/>); null for any other.</summary>
    public static async Task<SlotState?> WaitlistSlotAsync(EventStore.EventStore store, BookingState booking, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(booking);
        return booking.Status == BookingStatus.Waitlisted ? (await store.LoadAsync(Slot.Stream(booking.SlotId), cancellationToken)).State : null;
    }

    internal static int? WaitlistPosition(BookingState booking, SlotState? slot)
    {
        if (booking.Status != BookingStatus.Waitlisted || slot is null) return null;
        var index = slot.Waitlist.FindIndex(entry => entry.BookingId == booking.Id);
        return index < 0 ? null : index + 1;
    }
}

public static class BookingEndpoints
{
    public static IEndpointRouteBuilder MapBookings(this IEndpointRouteBuilder v1)
    {
        var bookings = v1.MapGroup("/bookings").WithTags("Bookings");
        bookings.MapBookSeat();
        bookings.MapListBookings();
        bookings.MapGetBooking();
        bookings.MapCancelBooking();
        bookings.MapRecordAttendance();
        bookings.MapChangeBookingContact();
        return v1;
    }
}
