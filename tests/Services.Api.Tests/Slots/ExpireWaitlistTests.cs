using Services.Api.Bookings;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using static Services.Api.Tests.Bookings.BookingExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Slots;

public sealed class ExpireWaitlistTests
{
    private static readonly Dictionary<string, BookingState> NoBookings = [];
    private static readonly Dictionary<string, SubscriptionState> NoSubscriptions = [];

    [Fact]
    public void At_the_start_the_waitlisted_bookings_expire_and_give_their_units_back()
    {
        var slot = SlotWith(
            new SeatReserved("bkg_a", CompanyId, 4),
            new WaitlistJoined("bkg_w1", CompanyId, 2, 1),
            new WaitlistJoined("bkg_w2", CompanyId, 1, 2));
        var bookings = new Dictionary<string, BookingState>
        {
            ["bkg_w1"] = WaitlistedBooking("bkg_w1", 2, 1),
            ["bkg_w2"] = WaitlistedBooking("bkg_w2", 1, 2),
        };
        var subscriptions = new Dictionary<string, SubscriptionState>
        {
            [SubscriptionId] = SubscriptionWith(
                new UnitsCounted("bkg_a", "2025-03", 4), new UnitsCounted("bkg_w1", "2025-03", 2), new UnitsCounted("bkg_w2", "2025-03", 1)),
        };

        var outcome = Slot.Decide(new ExpireWaitlist(SlotId), slot, bookings, subscriptions, Start).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new WaitlistExpired(["bkg_w1", "bkg_w2"]));
        outcome.Bookings.ShouldBeEvents(("bkg_w1", [new BookingExpired()]), ("bkg_w2", [new BookingExpired()]));
        outcome.Subscriptions.ShouldBeEvents((SubscriptionId, [new UnitsReleased("bkg_w1", "2025-03", 2), new UnitsReleased("bkg_w2", "2025-03", 1)]));
    }

    [Fact]
    public void Nothing_expires_when_nobody_waits()
    {
        var outcome = Slot.Decide(new ExpireWaitlist(SlotId), SlotWith(new SeatReserved("bkg_a", CompanyId, 1)), NoBookings, NoSubscriptions, Start).ThenAccepted();

        outcome.Slot.ShouldBeEmpty();
        outcome.Bookings.ShouldBeEmpty();
        outcome.Subscriptions.ShouldBeEmpty();
    }

    [Fact]
    public void The_waitlist_does_not_expire_before_the_start() =>
        Slot.Decide(new ExpireWaitlist(SlotId), SlotWith(), NoBookings, NoSubscriptions, Start.AddTicks(-1)).ThenRefused("slot_not_started");

    [Fact]
    public void An_unknown_slot_has_no_waitlist() =>
        Slot.Decide(new ExpireWaitlist(SlotId), null, NoBookings, NoSubscriptions, Start).ThenRefused("slot_not_found");
}
