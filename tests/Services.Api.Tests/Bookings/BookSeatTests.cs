using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Offers;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using static Services.Api.Tests.Bookings.BookingExamples;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Bookings;

public sealed class BookSeatTests
{
    private const string Beneficiary = "employee-42";

    private static BookSeat Book(int quantity = 1, string companyId = CompanyId) =>
        new(BookingId, companyId, SubscriptionId, SlotId, quantity, Beneficiary);

    private static BookingRequested RequestedNow(int quantity = 1, DateTimeOffset? slotStart = null) =>
        new(BookingId, CompanyId, SubscriptionId, OfferId, SlotId, slotStart ?? Start, quantity, Beneficiary, Now);

    private static SeatReserved SeatsReserved(int quantity) => new(BookingId, CompanyId, quantity, Beneficiary);

    private static WaitlistJoined JoinedWaitlist(int quantity, int position) => new(BookingId, CompanyId, quantity, position, Beneficiary);

    [Fact]
    public void A_slot_with_room_confirms_the_booking_and_counts_its_units()
    {
        var outcome = Booking.Decide(Book(2), null, SlotWith(new SeatReserved("bkg_a", CompanyId, 2)), SubscriptionWith(), OfferWith(), Now).ThenAccepted();

        outcome.Booking.ShouldBeEvents(RequestedNow(2), new BookingConfirmed());
        outcome.Slot.ShouldBeEvents(SeatsReserved(2));
        outcome.Subscription.ShouldBeEvents(new UnitsCounted(BookingId, "2025-03", 2));
    }

    [Fact]
    public void Sealed_contact_details_travel_in_the_booking_request_and_nowhere_else()
    {
        var contact = new SealedContact("pdk_1", "c2VhbGVk");

        var outcome = Booking.Decide(Book() with { Contact = contact }, null, SlotWith(), SubscriptionWith(), OfferWith(), Now).ThenAccepted();

        outcome.Booking.ShouldBeEvents(RequestedNow() with { Contact = contact }, new BookingConfirmed());
        outcome.Slot.ShouldBeEvents(SeatsReserved(1));
        outcome.Subscription.ShouldBeEvents(new UnitsCounted(BookingId, "2025-03", 1));
    }

    [Fact]
    public void Booking_a_full_slot_waitlists_with_the_next_position()
    {
        var slot = SlotWith(new SeatReserved("bkg_a", CompanyId, 4), new WaitlistJoined("bkg_w1", OtherCompanyId, 1, 1));

        var outcome = Booking.Decide(Book(), null, slot, SubscriptionWith(), OfferWith(), Now).ThenAccepted();

        outcome.Booking.ShouldBeEvents(RequestedNow(), new BookingWaitlisted(2));
        outcome.Slot.ShouldBeEvents(JoinedWaitlist(1, 2));
        outcome.Subscription.ShouldBeEvents(new UnitsCounted(BookingId, "2025-03", 1));
    }

    [Fact]
    public void A_booking_that_would_rather_not_wait_is_refused_on_a_full_slot_naming_the_seats_free()
    {
        var slot = SlotWith(new SeatReserved("bkg_a", CompanyId, 3));

        var refusal = Booking.Decide(Book(slot.Remaining + 1) with { WhenFull = WhenFull.Refuse }, null, slot, SubscriptionWith(), OfferWith(), Now).ThenRefused("slot_full");

        refusal.Facts.ShouldNotBeNull()["remaining"].ShouldBe(slot.Remaining);
        Booking.Decide(Book(slot.Remaining) with { WhenFull = WhenFull.Refuse }, null, slot, SubscriptionWith(), OfferWith(), Now)
            .ThenAccepted().Booking.ShouldBeEvents(RequestedNow(slot.Remaining), new BookingConfirmed());
    }

    [Fact]
    public void A_new_booking_that_fits_the_seats_left_takes_them_past_a_waiting_booking_too_large_for_them()
    {
        var slot = SlotWith(new SeatReserved("bkg_a", CompanyId, 2), new WaitlistJoined("bkg_w1", OtherCompanyId, 3, 1));
        slot.Remaining.ShouldBeLessThan(3);

        Booking.Decide(Book(slot.Remaining), null, slot, SubscriptionWith(), OfferWith(), Now)
            .ThenAccepted().Slot.ShouldBeEvents(SeatsReserved(slot.Remaining));
        Booking.Decide(Book(slot.Remaining + 1), null, slot, SubscriptionWith(), OfferWith(), Now)
            .ThenAccepted().Slot.ShouldBeEvents(JoinedWaitlist(slot.Remaining + 1, 2));
    }

    [Fact]
    public void A_waiting_booking_passed_over_for_its_quota_goes_first_once_back_within_it_and_the_newcomer_gets_what_is_left()
    {
        // Seats a waiting booking fits are left only when it was passed over for its quota.
        var slot = SlotWith(new SeatReserved("bkg_a", CompanyId, 3), new WaitlistJoined("bkg_w1", OtherCompanyId, 1, 1));

        var backWithin = Booking.Decide(Book(), null, slot, SubscriptionWith(), OfferWith(), Now).ThenAccepted();
        var stillOver = Booking.Decide(Book(), null, slot, SubscriptionWith(), OfferWith(), Now, passedOver: new HashSet<string> { "bkg_w1" }).ThenAccepted();

        backWithin.Slot.ShouldBeEvents(new WaitlistPromoted("bkg_w1", 1), JoinedWaitlist(1, 1));
        backWithin.Booking.ShouldBeEvents(RequestedNow(), new BookingWaitlisted(1));
        backWithin.Promoted.ShouldBeEvents(("bkg_w1", [new BookingPromoted()]));
        stillOver.Slot.ShouldBeEvents(SeatsReserved(1));
        stillOver.Promoted.ShouldBeEmpty();
    }

    [Fact]
    public void The_quota_counts_confirmed_and_waitlisted_units_of_the_slots_month() =>
        Booking.Decide(
                Book(2), null, SlotWith(),
                SubscriptionWith(new QuotaChanged(6), new UnitsCounted("bkg_a", "2025-03", 3), new UnitsCounted("bkg_w", "2025-03", 2)),
                OfferWith(), Now)
            .ThenRefused("quota_exceeded").Detail.ShouldContain("used 5 of its 6 units for 2025-03");

    [Fact]
    public void A_booking_may_use_the_quota_up_to_its_last_unit() =>
        Booking.Decide(Book(1), null, SlotWith(), SubscriptionWith(new QuotaChanged(6), new UnitsCounted("bkg_a", "2025-03", 5)), OfferWith(), Now)
            .ThenAccepted().Subscription.ShouldBeEvents(new UnitsCounted(BookingId, "2025-03", 1));

    [Fact]
    public void Units_of_other_months_do_not_count_against_the_quota() =>
        Booking.Decide(Book(4), null, SlotWith(), SubscriptionWith(new UnitsCounted("bkg_feb", "2025-02", 10), new UnitsCounted("bkg_apr", "2025-04", 10)), OfferWith(), Now)
            .ThenAccepted().Subscription.ShouldBeEvents(new UnitsCounted(BookingId, "2025-03", 4));

    [Fact]
    public void Released_units_no_longer_count_against_the_quota() =>
        Booking.Decide(Book(4), null, SlotWith(), SubscriptionWith(new UnitsCounted("bkg_a", "2025-03", 10), new UnitsReleased("bkg_a", "2025-03", 10)), OfferWith(), Now)
            .ThenAccepted().Subscription.ShouldBeEvents(new UnitsCounted(BookingId, "2025-03", 4));

    [Fact]
    public void Units_counted_again_for_a_booking_replace_its_earlier_count() =>
        Booking.Decide(
                Book(4), null, SlotWith(),
                SubscriptionWith(new QuotaChanged(6), new UnitsCounted("bkg_a", "2025-03", 5), new UnitsCounted("bkg_a", "2025-03", 2), new UnitsCounted("bkg_b", "2025-03", 1)),
                OfferWith(), Now)
            .ThenRefused("quota_exceeded").Detail.ShouldContain("used 3 of its 6 units for 2025-03");

    [Fact]
    public void A_booking_counted_again_in_another_month_leaves_the_first_month_free() =>
        Booking.Decide(
                Book(6), null, SlotWith() with { Capacity = 6 },
                SubscriptionWith(new QuotaChanged(6), new UnitsCounted("bkg_a", "2025-03", 4), new UnitsCounted("bkg_a", "2025-04", 4)),
                OfferWith(), Now)
            .ThenAccepted().Subscription.ShouldBeEvents(new UnitsCounted(BookingId, "2025-03", 6));

    [Fact]
    public void The_slots_month_is_the_one_of_the_offers_time_zone()
    {
        var lateOnMarch31InUtcButAprilInFigeac = new DateTimeOffset(2025, 3, 31, 22, 30, 0, TimeSpan.Zero);
        var slot = Given<SlotState>(Slot.Evolve, Scheduled(start: lateOnMarch31InUtcButAprilInFigeac));

        var outcome = Booking.Decide(Book(), null, slot, SubscriptionWith(new UnitsCounted("bkg_a", "2025-03", 10)), OfferWith(), Now).ThenAccepted();

        outcome.Subscription.ShouldBeEvents(new UnitsCounted(BookingId, "2025-04", 1));
    }

    [Fact]
    public void No_booking_once_the_slot_has_started() =>
        Booking.Decide(Book(), null, SlotWith(), SubscriptionWith(), OfferWith(), Start).ThenRefused("slot_started");

    [Fact]
    public void A_cancelled_slot_takes_no_booking() =>
        Booking.Decide(Book(), null, SlotWith(new SlotCancelled("Driver ill")), SubscriptionWith(), OfferWith(), Now).ThenRefused("slot_cancelled");

    [Fact]
    public void A_withdrawn_offer_takes_no_booking() =>
        Booking.Decide(Book(), null, SlotWith(), SubscriptionWith(), OfferWith(new OfferWithdrawn()), Now).ThenRefused("offer_withdrawn");

    [Fact]
    public void A_suspended_offer_takes_no_booking() =>
        Booking.Decide(Book(), null, SlotWith(), SubscriptionWith(), OfferWith(new OfferSuspended("Driver on leave")), Now).ThenRefused("offer_suspended");

    [Fact]
    public void A_company_books_on_its_own_subscription_only() =>
        Booking.Decide(Book(companyId: OtherCompanyId), null, SlotWith(), SubscriptionWith(), OfferWith(), Now).ThenRefused("subscription_company_mismatch");

    [Fact]
    public void The_subscription_is_to_the_slots_offer() =>
        Booking.Decide(Book(), null, SlotWith(), Given<SubscriptionState>(Subscription.Evolve, Subscribed() with { OfferId = "off_other" }), OfferWith(), Now)
            .ThenRefused("subscription_offer_mismatch");

    [Fact]
    public void A_slot_of_another_offer_than_the_subscriptions_is_named_as_such_even_when_that_offer_is_withdrawn() =>
        Booking.Decide(Book(), null, SlotWith(), Given<SubscriptionState>(Subscription.Evolve, Subscribed() with { OfferId = "off_other" }), OfferWith(new OfferWithdrawn()), Now)
            .ThenRefused("subscription_offer_mismatch");

    [Fact]
    public void No_booking_for_a_slot_before_the_subscription_starts() =>
        Booking.Decide(Book(), null, SlotWith(), Given<SubscriptionState>(Subscription.Evolve, Subscribed() with { StartsOn = new DateOnly(2025, 4, 1) }), OfferWith(), Now)
            .ThenRefused("subscription_not_started");

    [Fact]
    public void No_booking_for_a_slot_after_a_cancelled_subscription_ends() =>
        Booking.Decide(Book(), null, SlotWith(), SubscriptionWith(new SubscriptionCancelled(new DateOnly(2025, 3, 19))), OfferWith(), Now)
            .ThenRefused("subscription_ended");

    [Fact]
    public void A_cancelled_subscription_still_books_until_it_ends() =>
        Booking.Decide(Book(), null, SlotWith(), SubscriptionWith(new SubscriptionCancelled(new DateOnly(2025, 3, 31))), OfferWith(), Now)
            .ThenAccepted().Booking.ShouldBeEvents(RequestedNow(), new BookingConfirmed());

    [Fact]
    public void A_subscription_books_the_slots_of_its_first_day_and_of_its_last_and_none_outside()
    {
        var day = OfferWith().LocalDate(SlotWith().Start);
        SubscriptionState StartingOn(DateOnly startsOn) => Given<SubscriptionState>(Subscription.Evolve, Subscribed() with { StartsOn = startsOn })!;

        Booking.Decide(Book(), null, SlotWith(), StartingOn(day), OfferWith(), Now).ThenAccepted();
        Booking.Decide(Book(), null, SlotWith(), StartingOn(day.AddDays(1)), OfferWith(), Now).ThenRefused("subscription_not_started");
        Booking.Decide(Book(), null, SlotWith(), SubscriptionWith(new SubscriptionCancelled(day)), OfferWith(), Now).ThenAccepted();
        Booking.Decide(Book(), null, SlotWith(), SubscriptionWith(new SubscriptionCancelled(day.AddDays(-1))), OfferWith(), Now).ThenRefused("subscription_ended");
    }

    [Fact]
    public void A_booking_is_for_at_least_one_unit() =>
        Booking.Decide(Book(0), null, SlotWith(), SubscriptionWith(), OfferWith(), Now).ThenRefused("invalid_quantity");

    [Fact]
    public void A_booking_larger_than_the_whole_slot_is_refused_rather_than_waitlisted_for_ever()
    {
        var slot = SlotWith(new SeatReserved("bkg_a", CompanyId, 4));

        Booking.Decide(Book(slot.Capacity + 1), null, slot, SubscriptionWith(), OfferWith(), Now).ThenRefused("quantity_exceeds_capacity");
        Booking.Decide(Book(slot.Capacity), null, slot, SubscriptionWith(), OfferWith(), Now)
            .ThenAccepted().Booking.ShouldBeEvents(RequestedNow(slot.Capacity), new BookingWaitlisted(1));
    }

    [Fact]
    public void A_booking_is_made_once() =>
        Booking.Decide(Book(), ConfirmedBooking(), SlotWith(), SubscriptionWith(), OfferWith(), Now).ThenRefused("booking_exists");

    [Fact]
    public void A_beneficiary_with_a_confirmed_booking_of_the_slot_is_refused_a_second_one_naming_the_first()
    {
        var refusal = Booking.Decide(Book(), null, SlotWith(new SeatReserved("bkg_first", CompanyId, 1, Beneficiary)), SubscriptionWith(), OfferWith(), Now)
            .ThenRefused("beneficiary_already_booked");

        refusal.Detail.ShouldContain("bkg_first");
        refusal.Facts.ShouldNotBeNull()["existingBookingId"].ShouldBe("bkg_first");
    }

    [Fact]
    public void A_beneficiary_waiting_on_the_slot_is_refused_a_second_booking_there_so_no_promotion_confirms_them_twice()
    {
        object[] waiting = [new SeatReserved("bkg_a", OtherCompanyId, 4), new WaitlistJoined("bkg_waiting", CompanyId, 1, 1, Beneficiary)];

        Booking.Decide(Book(), null, SlotWith(waiting), SubscriptionWith(), OfferWith(), Now)
            .ThenRefused("beneficiary_already_booked").Facts!["existingBookingId"].ShouldBe("bkg_waiting");
        Booking.Decide(Book(), null, SlotWith([.. waiting, new SeatReleased("bkg_a", 4), new WaitlistPromoted("bkg_waiting", 1)]), SubscriptionWith(), OfferWith(), Now)
            .ThenRefused("beneficiary_already_booked").Facts!["existingBookingId"].ShouldBe("bkg_waiting");
    }

    [Fact]
    public void A_beneficiary_whose_booking_of_the_slot_ended_books_it_again()
    {
        var cancelled = SlotWith(new SeatReserved("bkg_first", CompanyId, 1, Beneficiary), new SeatReleased("bkg_first", 1));
        var leftTheWaitlist = SlotWith(new WaitlistJoined("bkg_first", CompanyId, 1, 1, Beneficiary), new WaitlistLeft("bkg_first"));
        var expired = SlotWith(new WaitlistJoined("bkg_first", CompanyId, 1, 1, Beneficiary), new WaitlistExpired(["bkg_first"]));
        var promotedThenCancelled = SlotWith(
            new WaitlistJoined("bkg_first", CompanyId, 1, 1, Beneficiary), new WaitlistPromoted("bkg_first", 1), new SeatReleased("bkg_first", 1));

        foreach (var slot in new[] { cancelled, leftTheWaitlist, expired, promotedThenCancelled })
            Booking.Decide(Book(), null, slot, SubscriptionWith(), OfferWith(), Now).ThenAccepted().Slot.ShouldBeEvents(SeatsReserved(1));
    }

    [Fact]
    public void Beneficiary_refs_are_the_companys_own_so_another_companys_beneficiary_of_the_same_ref_is_someone_else() =>
        Booking.Decide(Book(), null, SlotWith(new SeatReserved("bkg_other", OtherCompanyId, 1, Beneficiary)), SubscriptionWith(), OfferWith(), Now)
            .ThenAccepted().Slot.ShouldBeEvents(SeatsReserved(1));

    [Fact]
    public void Another_beneficiary_of_the_same_company_books_the_slot() =>
        Booking.Decide(Book(), null, SlotWith(new SeatReserved("bkg_colleague", CompanyId, 1, "employee-43")), SubscriptionWith(), OfferWith(), Now)
            .ThenAccepted().Slot.ShouldBeEvents(SeatsReserved(1));

    [Fact]
    public void An_unknown_slot_takes_no_booking() =>
        Booking.Decide(Book(), null, null, SubscriptionWith(), OfferWith(), Now).ThenRefused("slot_not_found");
}
