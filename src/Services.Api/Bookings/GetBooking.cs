using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Beneficiaries;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Security;

namespace Services.Api.Bookings;

public static class GetBookingEndpoint
{
    public static void MapGetBooking(this IEndpointRouteBuilder bookings) =>
        bookings.MapGet("/{bookingId}", Handle)
            .WithName("getBooking")
            .AcceptsIfNoneMatch()
            .WithSummary("Read a booking")
            .WithDescription("The booking company, the offer's club and providers, or the operator. A waitlisted booking shows its current waitlistPosition; one cancelled with its slot (cancelReason slot_cancelled) shows the slot's cancellation, the reason its club gave and when. Contact details, when given, are shown to the company and the club, and to the providers while they deliver the booking: a confirmed one, until 7 days after its slot starts (a cancelled, expired or waitlisted booking shows them withheld to the providers); the operator sees them withheld; once the beneficiary is erased (DELETE /v1/beneficiaries/{beneficiaryRef}) whoever read them sees them erased (the operator, and a provider the booking no longer lets read them, still see them withheld). companyName is the booking company's name now. A waitlisted booking, one with contact details read by anyone but the operator, or one whose company was ever renamed, is answered in full whatever If-None-Match names: its waitlistPosition moves, its details may be erased, withheld for a while (a master key missing) or closed to a provider, and its companyName follows the company, without a new version.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<BookingResponse>, ProblemHttpResult>> Handle(
        string bookingId, Caller caller, EventStore.EventStore store, ContactVault vault, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var loaded = await store.LoadAsync(Booking.Stream(bookingId), cancellationToken);
        if (loaded.State is not { } booking) return Problems.NotFound("booking");
        var offer = caller.IsOperator || caller.OrganizationId == booking.CompanyId
            ? null
            : (await store.LoadAsync(Offer.Stream(booking.OfferId), cancellationToken)).State;
        if (!Booking.IsVisibleTo(booking, offer, caller)) return Problems.NotFound("booking");
        var slot = await Booking.WaitlistSlotAsync(store, booking, cancellationToken);
        var contact = await BookingContacts.ShownAsync(booking, offer, caller, time.GetUtcNow(), vault, cancellationToken);
        var company = await Booking.CompanyAsync(store, booking, cancellationToken);
        // The slot's waitlist and the contact details change what follows without a booking event: an erasure, a master
        // key configured again (withheld to available), a provider's window closing. Only the operator's copy is the version's:
        // whoever else sees the booking may read its details, or could before. So does the company's name once it was renamed:
        // a copy taken before would keep the former name.
        ETags.Set(http.Response, loaded.Version,
            validatesBody: slot is null && (booking.Contact is null || caller.IsOperator) && company is not { Renamed: true });
        // A booking its slot cancelled shows the slot's cancellation, which never changes once made: the version still validates it.
        return TypedResults.Ok(BookingResponse.From(booking, company?.Name, slot, contact, await Booking.SlotCancellationAsync(store, booking, cancellationToken)));
    }
}
