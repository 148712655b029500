using Services.Api.Bookings;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Bookings;

public static class BookingExamples
{
    public const string BookingId = "bkg_1";

    public static BookingRequested Requested(string id = BookingId, int quantity = 1, string companyId = CompanyId, string subscriptionId = SubscriptionId) =>
        new(id, companyId, subscriptionId, OfferId, SlotId, Start, quantity, $"employee-of-{id}", Now.AddDays(-1));

    public static BookingState BookingOf(params object[] events) => Given<BookingState>(Booking.Evolve, events)!;

    public static BookingState ConfirmedBooking(string id = BookingId, int quantity = 1) => BookingOf(Requested(id, quantity), new BookingConfirmed());

    public static BookingState WaitlistedBooking(string id = BookingId, int quantity = 1, int position = 1) => BookingOf(Requested(id, quantity), new BookingWaitlisted(position));
}
