using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using static Services.Api.Tests.Bookings.BookingExamples;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Slots;

/// <summary>The slot starts at 09:00 in Paris (08:00 UTC) on 20 March 2025; Paris is UTC+1 that day.</summary>
public sealed class RescheduleSlotTests
{
    private static readonly DateTimeOffset Afternoon = Start.AddHours(5);

    private static Decision<RescheduleSlotOutcome> Moving(SlotState? slot, DateTimeOffset start, DateTimeOffset? end = null, OfferState? offer = null, DateTimeOffset? now = null) =>
        Slot.Decide(new RescheduleSlot(SlotId, start, end ?? start.AddHours(2)), slot, offer ?? OfferWith(), now ?? Now);

    [Fact]
    public void A_slot_moves_within_its_day_with_its_confirmed_and_waitlisted_bookings()
    {
        var slot = SlotWith(
            new SeatReserved("bkg_b", OtherCompanyId, 2),
            new SeatReserved("bkg_a", CompanyId, 2),
            new WaitlistJoined("bkg_c", CompanyId, 1, 1));

        var outcome = Moving(slot, Afternoon, Afternoon.AddHours(3)).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new SlotRescheduled(OfferId, Start, End, Afternoon, Afternoon.AddHours(3)));
        var moved = new BookingRescheduled(SlotId, Start, Afternoon);
        outcome.Bookings.ShouldBeEvents(("bkg_a", [moved]), ("bkg_b", [moved]), ("bkg_c", [moved]));
    }

    [Fact]
    public void A_moved_slot_keeps_its_capacity_seats_and_waitlist()
    {
        var slot = SlotWith(new SeatReserved("bkg_a", CompanyId, 4), new WaitlistJoined("bkg_c", CompanyId, 1, 1));

        var moved = Slot.Apply(slot, Moving(slot, Afternoon).ThenAccepted().Slot.Single());

        moved.ShouldBe(slot with { Start = Afternoon, End = Afternoon.AddHours(2) });
    }

    [Fact]
    public void The_day_is_the_offers_local_day_not_the_utc_one()
    {
        var justAfterLocalMidnight = new DateTimeOffset(2025, 3, 19, 23, 30, 0, TimeSpan.Zero); // 00:30 on the 20th in Paris
        var justBeforeLocalMidnight = new DateTimeOffset(2025, 3, 20, 22, 30, 0, TimeSpan.Zero); // 23:30 on the 20th in Paris

        Moving(SlotWith(), justAfterLocalMidnight).ThenAccepted();
        Moving(SlotWith(), justBeforeLocalMidnight, justBeforeLocalMidnight.AddHours(2)).ThenAccepted();
    }

    [Theory]
    [InlineData("2025-03-20T23:00:00Z")] // midnight on the 21st in Paris, still the 20th in UTC
    [InlineData("2025-03-19T22:30:00Z")] // 23:30 on the 19th in Paris
    [InlineData("2025-03-27T08:00:00Z")] // the same hour a week later
    public void Another_local_day_is_refused_telling_to_cancel_and_schedule_anew(string start)
    {
        var refusal = Moving(SlotWith(), DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture)).ThenRefused("slot_reschedule_changes_day");

        refusal.Detail.ShouldContain("2025-03-20");
        refusal.Detail.ShouldContain(TimeZoneId);
        refusal.Detail.ShouldContain("Cancel the slot and schedule a new one");
    }

    [Fact]
    public void The_same_start_and_end_change_nothing()
    {
        var outcome = Moving(SlotWith(new SeatReserved("bkg_a", CompanyId, 1)), Start, End).ThenAccepted();

        outcome.Slot.ShouldBeEmpty();
        outcome.Bookings.ShouldBeEmpty();
    }

    [Fact]
    public void A_new_end_alone_moves_the_slot_and_leaves_its_bookings_alone()
    {
        var outcome = Moving(SlotWith(new SeatReserved("bkg_a", CompanyId, 1)), Start, End.AddHours(1)).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new SlotRescheduled(OfferId, Start, End, Start, End.AddHours(1)));
        outcome.Bookings.ShouldBeEmpty();
    }

    [Fact]
    public void A_slot_that_started_stays_where_it_was() =>
        Moving(SlotWith(), Afternoon, now: Start).ThenRefused("slot_started");

    [Fact]
    public void A_new_start_in_the_past_is_refused() =>
        Moving(SlotWith(), Start.AddHours(-2), now: Start.AddHours(-1)).ThenRefused("slot_in_past");

    [Fact]
    public void A_slot_ends_after_it_starts() =>
        Moving(SlotWith(), Afternoon, Afternoon).ThenRefused("slot_ends_before_start");

    [Fact]
    public void A_cancelled_slot_is_not_moved() =>
        Moving(SlotWith(new SlotCancelled("Snow", Now)), Afternoon).ThenRefused("slot_cancelled");

    [Fact]
    public void A_withdrawn_offers_slot_is_not_moved_but_a_suspended_ones_is()
    {
        Moving(SlotWith(), Afternoon, offer: OfferWith(new OfferWithdrawn(Now))).ThenRefused("offer_withdrawn");
        Moving(SlotWith(), Afternoon, offer: OfferWith(new OfferSuspended(null))).ThenAccepted();
    }

    [Fact]
    public void An_unknown_slot_is_not_moved() =>
        Moving(null, Afternoon).ThenRefused("slot_not_found");

    [Fact]
    public void A_booking_follows_its_slot_cancellable_until_the_new_start_and_attended_from_it()
    {
        var later = Start.AddHours(3);
        var moved = Moving(SlotWith(new SeatReserved(BookingId, CompanyId, 1)), later).ThenAccepted();
        var slot = Given<SlotState>(Slot.Evolve, [Scheduled(), new SeatReserved(BookingId, CompanyId, 1), .. moved.Slot])!;
        var booking = BookingOf([Requested(), new BookingConfirmed(), .. moved.Bookings[BookingId]]);
        var subscription = SubscriptionWith(new UnitsCounted(BookingId, "2025-03", 1));

        booking.SlotStart.ShouldBe(later);
        Booking.Decide(new CancelBooking(BookingId, CancellationReason.OnRequest), booking, slot, subscription, Start.AddHours(1)).ThenAccepted();
        Booking.Decide(new CancelBooking(BookingId, CancellationReason.OnRequest), booking, slot, subscription, later).ThenRefused("slot_started");
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ClubId), booking, Start.AddHours(1)).ThenRefused("slot_not_started");
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ClubId), booking, later).ThenAccepted();
    }

    [Fact]
    public void A_waitlist_waits_until_the_new_start()
    {
        var later = Start.AddHours(3);
        var slot = Given<SlotState>(Slot.Evolve, [Scheduled(), new WaitlistJoined(BookingId, CompanyId, 1, 1), new SlotRescheduled(OfferId, Start, End, later, later.AddHours(2))])!;
        var bookings = new Dictionary<string, BookingState> { [BookingId] = WaitlistedBooking() };
        var subscriptions = new Dictionary<string, SubscriptionState> { [SubscriptionId] = SubscriptionWith(new UnitsCounted(BookingId, "2025-03", 1)) };

        Slot.Decide(new ExpireWaitlist(SlotId), slot, bookings, subscriptions, Start.AddHours(1)).ThenRefused("slot_not_started");
        Slot.Decide(new ExpireWaitlist(SlotId), slot, bookings, subscriptions, later).ThenAccepted().Bookings.Keys.ShouldBe([BookingId]);
    }
}
