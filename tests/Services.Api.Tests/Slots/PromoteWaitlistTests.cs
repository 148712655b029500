using Services.Api.Bookings;
using Services.Api.Slots;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;

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
        var promotion = Slot.Decide(Command, TwoFreeSeatsAndAWaitlist(), Now, overQuota: null).ThenAccepted();

        promotion.Slot.ShouldBeEvents(new WaitlistPromoted("bkg_w2", 2));
        promotion.Bookings.ShouldBeEvents(("bkg_w2", [new BookingPromoted()]));
    }

    [Fact]
    public void A_booking_still_over_its_quota_keeps_its_place() =>
        Slot.Decide(Command, TwoFreeSeatsAndAWaitlist(), Now, overQuota: new HashSet<string> { "bkg_w2" }).ThenAccepted().Slot.ShouldBeEmpty();

    [Fact]
    public void A_slot_that_started_or_was_cancelled_promotes_no_one()
    {
        Slot.Decide(Command, TwoFreeSeatsAndAWaitlist(), Start, overQuota: null).ThenRefused("slot_started");
        Slot.Decide(Command, SlotWith(new SlotCancelled("Snow")), Now, overQuota: null).ThenRefused("slot_cancelled");
    }
}
