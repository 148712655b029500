using Services.Api.Slots;
using static Services.Api.Tests.Slots.SlotExamples;

namespace Services.Api.Tests.Slots;

/// <summary>The seats a slot counts as reserved, as its events hold and release them.</summary>
public sealed class SeatHoldsTests
{
    [Fact]
    public void Released_seats_are_free_again() =>
        SlotWith(new SeatReserved("bkg_a", "cmp_a", 2), new SeatReserved("bkg_b", "cmp_b", 1), new SeatReleased("bkg_a", 2))
            .Remaining.ShouldBe(3);

    [Fact]
    public void A_promoted_booking_holds_its_seats_once() =>
        SlotWith(new WaitlistJoined("bkg_a", "cmp_a", 2, 1), new WaitlistPromoted("bkg_a", 2), new WaitlistPromoted("bkg_a", 2))
            .Reserved.ShouldBe(2);

    [Fact]
    public void Releasing_a_booking_that_holds_nothing_changes_nothing() =>
        SlotWith(new SeatReserved("bkg_a", "cmp_a", 2), new SeatReleased("bkg_unknown", 1)).Reserved.ShouldBe(2);

    [Fact]
    public void A_cancelled_slot_holds_no_seat() =>
        SlotWith(new SeatReserved("bkg_a", "cmp_a", 2), new SlotCancelled("storm")).Reserved.ShouldBe(0);
}
