using Services.Api.Bookings;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using static Services.Api.Tests.Bookings.BookingExamples;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Slots;

public sealed class PromoteWaitlistTests
{
    private static readonly PromoteWaitlist Command = new(SlotId);

    /// <summary>Four seats, two of them freed; waiting in order: 3 units, then 2.</summary>
    private static SlotState TwoFreeSeatsAndAWaitlist() => SlotWith(
        new SeatReserved("bkg_a", CompanyId, 2),
        new SeatReserved("bkg_b", OtherCompanyId, 2),
        new WaitlistJoined("bkg_w1", CompanyId, 3, 1),
        new WaitlistJoined("bkg_w2", OtherCompanyId, 2, 2),
        new SeatReleased("bkg_b", 2));

    [Fact]
    public void Free_seats_go_to_the_first_waiting_bookings_that_fit_them()
    {
        var promotion = Slot.Decide(Command, TwoFreeSeatsAndAWaitlist(), Now, passedOver: null).ThenAccepted();

        promotion.Slot.ShouldBeEvents(new WaitlistPromoted("bkg_w2", 2));
        promotion.Bookings.ShouldBeEvents(("bkg_w2", [new BookingPromoted()]));
    }

    [Fact]
    public void A_booking_still_over_its_quota_keeps_its_place() =>
        Slot.Decide(Command, TwoFreeSeatsAndAWaitlist(), Now, passedOver: new HashSet<string> { "bkg_w2" }).ThenAccepted().Slot.ShouldBeEmpty();

    [Fact]
    public void A_booking_whose_subscription_ended_before_the_slots_day_keeps_its_place_and_the_next_that_fits_gets_the_seat()
    {
        // One seat freed; waiting in order: the removed company's booking, then another company's, 1 unit each.
        var slot = SlotWith(
            new SeatReserved("bkg_a", OtherCompanyId, 3),
            new SeatReserved("bkg_b", OtherCompanyId, 1),
            new WaitlistJoined("bkg_w1", CompanyId, 1, 1),
            new WaitlistJoined("bkg_w2", OtherCompanyId, 1, 2),
            new SeatReleased("bkg_b", 1));
        var ended = SubscriptionWith(new UnitsCounted("bkg_w1", "2025-03", 1), new SubscriptionCancelled(new DateOnly(2025, 2, 28)));
        Waitlist.PassesOver(WaitlistedBooking("bkg_w1"), ended, OfferWith()).ShouldBeTrue();

        var promotion = Slot.Decide(Command, slot, Now, passedOver: new HashSet<string> { "bkg_w1" }).ThenAccepted();

        promotion.Slot.ShouldBeEvents(new WaitlistPromoted("bkg_w2", 1));
        promotion.Bookings.ShouldBeEvents(("bkg_w2", [new BookingPromoted()]));
    }

    [Fact]
    public void A_cancelled_subscription_still_serves_the_days_until_its_end_in_the_offers_calendar()
    {
        // Cancelled in March: it ends on the 31st, Paris time (UTC+2 then).
        var endingInMarch = SubscriptionWith(new UnitsCounted(BookingId, "2025-03", 1), new SubscriptionCancelled(new DateOnly(2025, 3, 31)));
        BookingState WaitingFor(DateTimeOffset slotStart) => BookingOf(Requested() with { SlotStart = slotStart }, new BookingWaitlisted(1));

        Waitlist.PassesOver(WaitlistedBooking(), endingInMarch, OfferWith()).ShouldBeFalse();
        Waitlist.PassesOver(WaitingFor(new DateTimeOffset(2025, 3, 31, 21, 30, 0, TimeSpan.Zero)), endingInMarch, OfferWith()).ShouldBeFalse();
        Waitlist.PassesOver(WaitingFor(new DateTimeOffset(2025, 3, 31, 22, 30, 0, TimeSpan.Zero)), endingInMarch, OfferWith()).ShouldBeTrue();
    }

    [Fact]
    public void A_booking_over_a_quota_lowered_since_is_passed_over_and_one_within_it_is_not()
    {
        var counted = new UnitsCounted(BookingId, "2025-03", 2);

        Waitlist.PassesOver(WaitlistedBooking(quantity: 2), SubscriptionWith(counted, new QuotaChanged(1)), OfferWith()).ShouldBeTrue();
        Waitlist.PassesOver(WaitlistedBooking(quantity: 2), SubscriptionWith(counted), OfferWith()).ShouldBeFalse();
    }

    [Fact]
    public void A_slot_that_started_or_was_cancelled_promotes_no_one()
    {
        Slot.Decide(Command, TwoFreeSeatsAndAWaitlist(), Start, passedOver: null).ThenRefused("slot_started");
        Slot.Decide(Command, SlotWith(new SlotCancelled("Snow")), Now, passedOver: null).ThenRefused("slot_cancelled");
    }
}
