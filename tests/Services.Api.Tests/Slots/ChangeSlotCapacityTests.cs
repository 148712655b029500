using Services.Api.Bookings;
using Services.Api.Slots;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Slots;

public sealed class ChangeSlotCapacityTests
{
    /// <summary>Four seats taken; waiting in order: 3, 2 and 1 units.</summary>
    private static SlotState FullSlotWithWaitlist() => SlotWith(
        new SeatReserved("bkg_a", CompanyId, 4),
        new WaitlistJoined("bkg_w1", CompanyId, 3, 1),
        new WaitlistJoined("bkg_w2", OtherCompanyId, 2, 2),
        new WaitlistJoined("bkg_w3", CompanyId, 1, 3));

    [Fact]
    public void More_capacity_promotes_the_first_waitlisted_booking_that_fits()
    {
        var outcome = Slot.Decide(new ChangeSlotCapacity(SlotId, 6), FullSlotWithWaitlist(), Now).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new SlotCapacityChanged(6), new WaitlistPromoted("bkg_w2", 2));
        outcome.Promoted.ShouldBeEvents(("bkg_w2", [new BookingPromoted()]));
    }

    [Fact]
    public void A_waitlisted_booking_that_does_not_fit_keeps_its_place_and_later_ones_may_pass()
    {
        var outcome = Slot.Decide(new ChangeSlotCapacity(SlotId, 8), FullSlotWithWaitlist(), Now).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new SlotCapacityChanged(8), new WaitlistPromoted("bkg_w1", 3), new WaitlistPromoted("bkg_w3", 1));
        outcome.Promoted.ShouldBeEvents(("bkg_w1", [new BookingPromoted()]), ("bkg_w3", [new BookingPromoted()]));
    }

    [Fact]
    public void Capacity_drops_down_to_what_is_reserved()
    {
        var outcome = Slot.Decide(new ChangeSlotCapacity(SlotId, 2), SlotWith(new SeatReserved("bkg_a", CompanyId, 2)), Now).ThenAccepted();

        outcome.Slot.ShouldBeEvents(new SlotCapacityChanged(2));
        outcome.Promoted.ShouldBeEmpty();
    }

    [Fact]
    public void Capacity_cannot_drop_below_a_waitlisted_bookings_quantity()
    {
        var slot = SlotWith(new SeatReserved("bkg_a", CompanyId, 1), new WaitlistJoined("bkg_w1", CompanyId, 3, 1));

        var refusal = Slot.Decide(new ChangeSlotCapacity(SlotId, 2), slot, Now).ThenRefused("capacity_below_waitlisted_booking");
        refusal.Detail.ShouldContain("bkg_w1");
        refusal.Facts!["bookingId"].ShouldBe("bkg_w1");
        Slot.Decide(new ChangeSlotCapacity(SlotId, 3), slot, Now).ThenAccepted();
    }

    [Fact]
    public void Capacity_cannot_drop_below_what_is_reserved() =>
        Slot.Decide(new ChangeSlotCapacity(SlotId, 3), FullSlotWithWaitlist(), Now)
            .ThenRefused("capacity_below_reserved").Detail.ShouldContain("4 units reserved");

    [Fact]
    public void The_same_capacity_changes_nothing()
    {
        var outcome = Slot.Decide(new ChangeSlotCapacity(SlotId, 4), FullSlotWithWaitlist(), Now).ThenAccepted();

        outcome.Slot.ShouldBeEmpty();
        outcome.Promoted.ShouldBeEmpty();
    }

    [Fact]
    public void A_slot_has_at_least_one_unit_of_capacity() =>
        Slot.Decide(new ChangeSlotCapacity(SlotId, 0), SlotWith(), Now).ThenRefused("invalid_capacity");

    [Fact]
    public void Capacity_does_not_change_once_the_slot_started() =>
        Slot.Decide(new ChangeSlotCapacity(SlotId, 8), SlotWith(), Start).ThenRefused("slot_started");

    [Fact]
    public void A_cancelled_slot_keeps_its_capacity() =>
        Slot.Decide(new ChangeSlotCapacity(SlotId, 8), SlotWith(new SlotCancelled("Driver ill")), Now).ThenRefused("slot_cancelled");

    [Fact]
    public void An_unknown_slot_has_no_capacity_to_change() =>
        Slot.Decide(new ChangeSlotCapacity(SlotId, 8), null, Now).ThenRefused("slot_not_found");
}
