using Services.Api.Bookings;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using static Services.Api.Tests.Bookings.BookingExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;
using static Services.Api.Tests.Subscriptions.SubscriptionExamples;

namespace Services.Api.Tests.Slots;

public sealed class CancelSlotTests
{
    private static readonly Dictionary<string, BookingState> NoBookings = [];
    private static readonly Dictionary<string, SubscriptionState> NoSubscriptions = [];

    [Fact]
    public void Cancelling_a_slot_cancels_every_booking_and_gives_their_units_back()
    {
        var slot = SlotWith(
            new SeatReserved("bkg_a", CompanyId, 2),
            new SeatReserved("bkg_b", OtherCompanyId, 2),
            new WaitlistJoined("bkg_c", CompanyId, 1, 1));
        var bookings = new Dictionary<string, BookingState>
        {
            ["bkg_a"] = ConfirmedBooking("bkg_a", 2),
            ["bkg_b"] = BookingOf(Requested("bkg_b", 2, OtherCompanyId, OtherSubscriptionId), new BookingConfirmed()),
            ["bkg_c"] = WaitlistedBooking("bkg_c", 1),
        };
        var subscriptions = new Dictionary<string, SubscriptionState>
        {
            [SubscriptionId] = SubscriptionWith(new UnitsCounted("bkg_a", "2025-03", 2), new UnitsCounted("bkg_c", "2025-03", 1)),
            [OtherSubscriptionId] = OtherSubscriptionWith(new UnitsCounted("bkg_b", "2025-03", 2)),
        };

        var outcome = Slot.Decide(new CancelSlot(SlotId, "Driver ill"), slot, bookings, subscriptions, Now).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new SlotCancelled("Driver ill", Now));
        var cancelled = new BookingCancelled(CancellationReason.SlotCancelled);
        outcome.Bookings.ShouldBeEvents(("bkg_a", [cancelled]), ("bkg_b", [cancelled]), ("bkg_c", [cancelled]));
        outcome.Subscriptions.ShouldBeEvents(
            (SubscriptionId, [new UnitsReleased("bkg_a", "2025-03", 2), new UnitsReleased("bkg_c", "2025-03", 1)]),
            (OtherSubscriptionId, [new UnitsReleased("bkg_b", "2025-03", 2)]));
    }

    [Fact]
    public void A_slot_without_bookings_is_simply_cancelled()
    {
        var outcome = Slot.Decide(new CancelSlot(SlotId, "Driver ill"), SlotWith(), NoBookings, NoSubscriptions, Now).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new SlotCancelled("Driver ill", Now));
        outcome.Bookings.ShouldBeEmpty();
        outcome.Subscriptions.ShouldBeEmpty();
    }

    [Fact]
    public void A_cancelled_slot_keeps_the_reason_and_the_instant_of_its_cancellation()
    {
        var cancelled = SlotWith(Slot.Decide(new CancelSlot(SlotId, "Venue closed"), SlotWith(), NoBookings, NoSubscriptions, Now).ThenAccepted().Slot.ToArray());

        cancelled.Cancellation.ShouldBe(new SlotCancelled("Venue closed", Now));
        cancelled.Cancelled.ShouldBeTrue();
    }

    [Fact]
    public void A_cancellation_recorded_before_its_instant_was_kept_still_cancels_with_its_reason() =>
        SlotWith(new SlotCancelled("Snow")).Cancellation.ShouldBe(new SlotCancelled("Snow", CancelledAt: null));

    [Fact]
    public void A_started_slot_is_not_cancelled() =>
        Slot.Decide(new CancelSlot(SlotId, "Driver ill"), SlotWith(), NoBookings, NoSubscriptions, Start).ThenRefused("slot_started");

    [Fact]
    public void A_slot_is_cancelled_once() =>
        Slot.Decide(new CancelSlot(SlotId, "Driver ill"), SlotWith(new SlotCancelled("Snow")), NoBookings, NoSubscriptions, Now)
            .ThenRefused("slot_cancelled");

    [Fact]
    public void An_unknown_slot_is_not_cancelled() =>
        Slot.Decide(new CancelSlot(SlotId, "Driver ill"), null, NoBookings, NoSubscriptions, Now).ThenRefused("slot_not_found");
}
