using Services.Api.Infrastructure;
using Services.Api.Listings;
using Services.Api.Offers;
using Services.Api.Security;
using Services.Api.Slots;

namespace Services.Api.Bookings;

/// <summary>
/// A booking as the API shows it. <see cref="WaitlistPosition"/> is the booking's current place in
/// the slot's waitlist (1 is next in line) while it waits, otherwise null. The beneficiary is the
/// company's own opaque reference: no personal data is stored here.
/// </summary>
public sealed record BookingResponse(
    string Id,
    string CompanyId,
    string SubscriptionId,
    string OfferId,
    string SlotId,
    DateTimeOffset SlotStart,
    int Quantity,
    string BeneficiaryRef,
    BookingStatus Status,
    int? WaitlistPosition,
    AttendanceOutcome? Attendance)
{
    public static BookingResponse From(BookingState state, SlotState? slot) => new(
        state.Id, state.CompanyId, state.SubscriptionId, state.OfferId, state.SlotId, state.SlotStart, state.Quantity,
        state.BeneficiaryRef, state.Status, Booking.WaitlistPosition(state, slot), state.Attendance);
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
        || offer is not null && (caller.OrganizationId == offer.ClubId || offer.ProviderIds.Contains(caller.OrganizationId));

    /// <summary>The booking company, the offer's club and the operator may cancel it.</summary>
    public static bool IsCancellableBy(BookingState booking, OfferState? offer, Caller caller) =>
        caller.IsOperator || caller.OrganizationId == booking.CompanyId || offer is not null && caller.OrganizationId == offer.ClubId;

    /// <summary>Whoever delivers the offer records attendance: its club, its providers, the operator.</summary>
    public static bool IsDeliveredBy(OfferState? offer, Caller caller) =>
        caller.IsOperator || offer is not null && (caller.OrganizationId == offer.ClubId || offer.ProviderIds.Contains(caller.OrganizationId));

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
        return v1;
    }
}
