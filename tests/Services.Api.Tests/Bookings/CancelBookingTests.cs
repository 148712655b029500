using Services.Api.Bookings;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using static Services.Api.Tests.Bookings.BookingExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Bookings;

public sealed class CancelBookingTests
{
    private static readonly CancelBooking Command = new(BookingId, CancellationReason.OnRequest);
    private static readonly BookingCancelled CancelledOnRequest = new(CancellationReason.OnRequest);

    [Fact]
    public void Cancelling_a_confirmed_booking_releases_its_seats_and_its_units()
    {
        var outcome = Booking.Decide(
            Command, ConfirmedBooking(quantity: 2), SlotWith(new SeatReserved(BookingId, CompanyId, 2)),
            SubscriptionWith(new UnitsCounted(BookingId, "2025-03", 2)), Now).ThenAccepted();

        outcome.Booking.ShouldBeEvents(CancelledOnRequest);
        outcome.Slot.ShouldBeEvents(new SeatReleased(BookingId, 2));
        outcome.Subscription.ShouldBeEvents(new UnitsReleased(BookingId, "2025-03", 2));
        outcome.Promoted.ShouldBeEmpty();
    }

    [Fact]
    public void Freed_seats_go_to_the_waitlisted_bookings_that_fit_in_order_without_counting_their_units_again()
    {
        var slot = SlotWith(
            new SeatReserved(BookingId, CompanyId, 2),
            new SeatReserved("bkg_x", OtherCompanyId, 2),
            new WaitlistJoined("bkg_w1", OtherCompanyId, 3, 1),
            new WaitlistJoined("bkg_w2", OtherCompanyId, 1, 2),
            new WaitlistJoined("bkg_w3", CompanyId, 1, 3));

        var outcome = Booking.Decide(Command, ConfirmedBooking(quantity: 2), slot, SubscriptionWith(new UnitsCounted(BookingId, "2025-03", 2)), Now).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new SeatReleased(BookingId, 2), new WaitlistPromoted("bkg_w2", 1), new WaitlistPromoted("bkg_w3", 1));
        outcome.Promoted.ShouldBeEvents(("bkg_w2", [new BookingPromoted()]), ("bkg_w3", [new BookingPromoted()]));
        outcome.Subscription.ShouldBeEvents(new UnitsReleased(BookingId, "2025-03", 2));
    }

    [Fact]
    public void A_waitlisted_booking_whose_company_is_over_its_quota_keeps_its_place_and_the_seats_go_to_the_next()
    {
        var slot = SlotWith(
            new SeatReserved(BookingId, CompanyId, 2),
            new WaitlistJoined("bkg_w1", OtherCompanyId, 2, 1),
            new WaitlistJoined("bkg_w2", CompanyId, 1, 2));

        var outcome = Booking.Decide(Command, ConfirmedBooking(quantity: 2), slot, SubscriptionWith(new UnitsCounted(BookingId, "2025-03", 2)), Now,
            passedOver: new HashSet<string> { "bkg_w1" }).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new SeatReleased(BookingId, 2), new WaitlistPromoted("bkg_w2", 1));
        outcome.Promoted.ShouldBeEvents(("bkg_w2", [new BookingPromoted()]));
    }

    [Fact]
    public void Cancelling_a_waitlisted_booking_leaves_the_waitlist_and_releases_its_units()
    {
        var slot = SlotWith(new SeatReserved("bkg_x", OtherCompanyId, 4), new WaitlistJoined(BookingId, CompanyId, 1, 1));

        var outcome = Booking.Decide(Command, WaitlistedBooking(), slot, SubscriptionWith(new UnitsCounted(BookingId, "2025-03", 1)), Now).ThenAccepted();

        outcome.Booking.ShouldBeEvents(CancelledOnRequest);
        outcome.Slot.ShouldBeEvents(new WaitlistLeft(BookingId));
        outcome.Subscription.ShouldBeEvents(new UnitsReleased(BookingId, "2025-03", 1));
        outcome.Promoted.ShouldBeEmpty();
    }

    [Fact]
    public void A_booking_held_back_behind_a_larger_one_gets_in_when_that_one_leaves()
    {
        var slot = SlotWith(
            new SeatReserved("bkg_x", OtherCompanyId, 2),
            new WaitlistJoined(BookingId, CompanyId, 3, 1),
            new WaitlistJoined("bkg_w2", OtherCompanyId, 1, 2));

        var outcome = Booking.Decide(Command, WaitlistedBooking(quantity: 3), slot, SubscriptionWith(new UnitsCounted(BookingId, "2025-03", 3)), Now).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new WaitlistLeft(BookingId), new WaitlistPromoted("bkg_w2", 1));
        outcome.Promoted.ShouldBeEvents(("bkg_w2", [new BookingPromoted()]));
    }

    [Fact]
    public void No_cancellation_once_the_slot_has_started() =>
        Booking.Decide(Command, ConfirmedBooking(), SlotWith(new SeatReserved(BookingId, CompanyId, 1)), SubscriptionWith(new UnitsCounted(BookingId, "2025-03", 1)), Start)
            .ThenRefused("slot_started");

    [Fact]
    public void A_cancelled_booking_is_not_cancelled_again() =>
        Booking.Decide(Command, BookingOf(Requested(), new BookingConfirmed(), CancelledOnRequest), SlotWith(), SubscriptionWith(), Now)
            .ThenRefused("booking_not_cancellable").Detail.ShouldContain("cancelled");

    [Fact]
    public void An_expired_booking_is_not_cancelled() =>
        Booking.Decide(Command, BookingOf(Requested(), new BookingWaitlisted(1), new BookingExpired()), SlotWith(), SubscriptionWith(), Now)
            .ThenRefused("booking_not_cancellable");

    [Fact]
    public void An_unknown_booking_is_not_cancelled() =>
        Booking.Decide(Command, null, SlotWith(), SubscriptionWith(), Now).ThenRefused("booking_not_found");
}
