using System.Text.Json.Serialization;
using Services.Api.Beneficiaries;
using Services.Api.Common;

namespace Services.Api.Bookings;

/// <summary>
/// A booking was asked for. Its contact details are stored sealed (the change feed shows them withheld;
/// null when none were given); its slot's start is copied, and follows the slot when its club moves it (BookingRescheduled).
/// </summary>
/// <param name="BookingId">The new booking's id (`bkg_…`).</param>
/// <param name="CompanyId">The company (`org_…`) that booked, for one of its staff.</param>
/// <param name="SubscriptionId">The subscription (`sub_…`) whose monthly quota the units count against.</param>
/// <param name="OfferId">The offer (`off_…`) the slot belongs to.</param>
/// <param name="SlotId">The slot (`slt_…`) booked.</param>
/// <param name="SlotStart">When the slot starts (UTC), as it was then.</param>
/// <param name="Quantity">Units (seats, places) asked for.</param>
/// <param name="BeneficiaryRef">The company's own opaque reference for who uses the units (never a name, e-mail or phone).</param>
/// <param name="RequestedAt">When the booking was asked for (UTC).</param>
/// <param name="Contact">Always withheld when given (read the booking for its contact details); null when none were given.</param>
public sealed record BookingRequested(
    string BookingId,
    string CompanyId,
    string SubscriptionId,
    string OfferId,
    string SlotId,
    DateTimeOffset SlotStart,
    int Quantity,
    string BeneficiaryRef,
    DateTimeOffset RequestedAt,
    SealedContact? Contact = null);

/// <summary>The booking holds its units on the slot at once: the slot had room and the company's quota allowed it.</summary>
public sealed record BookingConfirmed;

/// <param name="Position">
/// The booking's place in the slot's waitlist when it joined (1 is next in line). It moves up as bookings ahead
/// leave, with no event on this booking: its current place is the booking's waitlistPosition (GET the booking).
/// </param>
public sealed record BookingWaitlisted(int Position);

/// <summary>A waitlisted booking now holds its units: bookings ahead left and its units fit the seats freed (first fit, in waitlist order).</summary>
public sealed record BookingPromoted;

/// <summary>The slot started while the booking was still waiting: unmet demand.</summary>
public sealed record BookingExpired;

/// <param name="Reason">on_request (by its company), club_request (by the offer's club), operator_request (by the platform's operator) or slot_cancelled (its club cancelled the slot).</param>
public sealed record BookingCancelled(CancellationReason Reason);

/// <summary>
/// The booking's club moved its slot to another time of the same local day: the booking stands, for the new time
/// (cancellable until it, attendance from it, waiting until it). Only the slot's live bookings, confirmed or
/// waitlisted, get it: one cancelled or expired before keeps the start it ended with.
/// </summary>
/// <param name="SlotId">The slot that moved: a receiver of the booking's events knows which departure or session without reading the booking.</param>
/// <param name="PreviousSlotStart">When the slot started before (UTC).</param>
/// <param name="SlotStart">When the slot starts now (UTC).</param>
public sealed record BookingRescheduled(string SlotId, DateTimeOffset PreviousSlotStart, DateTimeOffset SlotStart);

/// <summary>
/// The booking company corrected the beneficiary's contact details (a wrong phone number), or removed them, before the
/// slot started. Stored sealed like BookingRequested's: the change feed shows them withheld; null when they were removed.
/// </summary>
/// <param name="BeneficiaryRef">The company's own opaque reference for whom the details are (the booking's beneficiary).</param>
/// <param name="Contact">Always withheld when given (read the booking for its contact details); null when they were removed.</param>
public sealed record BookingContactChanged(string BeneficiaryRef, SealedContact? Contact);

/// <summary>
/// Why a booking ended before its slot: who cancelled it, or the club cancelled the slot. Cancellations recorded before
/// November 2026 read on_request whoever asked.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<CancellationReason>))]
public enum CancellationReason
{
    [JsonStringEnumMemberName("on_request")] OnRequest,
    [JsonStringEnumMemberName("slot_cancelled")] SlotCancelled,
    [JsonStringEnumMemberName("club_request")] ClubRequest,
    [JsonStringEnumMemberName("operator_request")] OperatorRequest,
}

/// <param name="Outcome">attended or no_show: both are charged on the company's usage statement.</param>
/// <param name="RecordedBy">The organization (`org_…`) that recorded it: the offer's club, one of its providers, or `operator`.</param>
/// <param name="RecordedAt">When it was recorded (UTC). Null in events recorded before it was kept (November 2026).</param>
public sealed record AttendanceRecorded(AttendanceOutcome Outcome, string RecordedBy, DateTimeOffset? RecordedAt = null);

/// <summary>What became of a booking once its slot took place, as its club or provider recorded it: attended, or no_show (charged like attended).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AttendanceOutcome>))]
public enum AttendanceOutcome
{
    [JsonStringEnumMemberName("attended")] Attended,
    [JsonStringEnumMemberName("no_show")] NoShow,
}

public enum BookingStatus
{
    Requested,
    Confirmed,
    Waitlisted,
    Cancelled,
    Expired,
}

public sealed record BookingState(
    string Id,
    string CompanyId,
    string SubscriptionId,
    string OfferId,
    string SlotId,
    DateTimeOffset SlotStart,
    int Quantity,
    string BeneficiaryRef,
    DateTimeOffset RequestedAt,
    BookingStatus Status,
    AttendanceOutcome? Attendance,
    SealedContact? Contact = null,
    CancellationReason? CancelReason = null,
    string? AttendanceRecordedBy = null,
    DateTimeOffset? AttendanceRecordedAt = null);

public static partial class Booking
{
    public const string StreamType = "booking";

    public static string StreamId(string bookingId) => $"booking-{bookingId}";

    public static BookingState? Evolve(BookingState? state, object @event) => (state, @event) switch
    {
        (null, BookingRequested e) => new BookingState(
            e.BookingId, e.CompanyId, e.SubscriptionId, e.OfferId, e.SlotId, e.SlotStart, e.Quantity, e.BeneficiaryRef,
            e.RequestedAt, BookingStatus.Requested, Attendance: null, e.Contact),
        ({ } s, BookingConfirmed or BookingPromoted) => s with { Status = BookingStatus.Confirmed },
        ({ } s, BookingWaitlisted) => s with { Status = BookingStatus.Waitlisted },
        ({ } s, BookingExpired) => s with { Status = BookingStatus.Expired },
        ({ } s, BookingCancelled e) => s with { Status = BookingStatus.Cancelled, CancelReason = e.Reason },
        ({ } s, AttendanceRecorded e) => s with { Attendance = e.Outcome, AttendanceRecordedBy = e.RecordedBy, AttendanceRecordedAt = e.RecordedAt },
        ({ } s, BookingRescheduled e) => s with { SlotStart = e.SlotStart },
        ({ } s, BookingContactChanged e) => s with { Contact = e.Contact },
        _ => state,
    };

    internal static Refusal NotFound(string bookingId) =>
        Decision.Refuse("booking_not_found", $"Booking {bookingId} does not exist.");
}
