using Services.Api.Offers;
using Services.Api.Slots;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Slots;

public sealed class ScheduleSlotTests
{
    [Fact]
    public void A_slot_is_scheduled_on_an_offer() =>
        Slot.Decide(new ScheduleSlot(SlotId, OfferId, Start, End, 4), null, OfferWith(), Now)
            .Then(new SlotScheduled(SlotId, OfferId, Start, End, 4));

    [Fact]
    public void Slot_times_are_kept_in_utc() =>
        Slot.Decide(new ScheduleSlot(SlotId, OfferId, Start.ToOffset(TimeSpan.FromHours(1)), End.ToOffset(TimeSpan.FromHours(1)), 4), null, OfferWith(), Now)
            .ThenAccepted().ShouldBeEvents(new SlotScheduled(SlotId, OfferId, Start, End, 4));

    [Fact]
    public void A_suspended_offer_may_get_slots() =>
        Slot.Decide(new ScheduleSlot(SlotId, OfferId, Start, End, 4), null, OfferWith(new OfferSuspended(null)), Now)
            .Then(new SlotScheduled(SlotId, OfferId, Start, End, 4));

    [Fact]
    public void A_withdrawn_offer_takes_no_new_slots() =>
        Slot.Decide(new ScheduleSlot(SlotId, OfferId, Start, End, 4), null, OfferWith(new OfferWithdrawn()), Now)
            .ThenRefused("offer_withdrawn");

    [Fact]
    public void A_slot_needs_an_existing_offer() =>
        Slot.Decide(new ScheduleSlot(SlotId, OfferId, Start, End, 4), null, null, Now).ThenRefused("offer_not_found");

    [Fact]
    public void A_slot_ends_after_it_starts() =>
        Slot.Decide(new ScheduleSlot(SlotId, OfferId, Start, Start, 4), null, OfferWith(), Now).ThenRefused("slot_ends_before_start");

    [Fact]
    public void A_slot_has_at_least_one_unit_of_capacity() =>
        Slot.Decide(new ScheduleSlot(SlotId, OfferId, Start, End, 0), null, OfferWith(), Now).ThenRefused("invalid_capacity");

    [Fact]
    public void A_slot_starts_in_the_future() =>
        Slot.Decide(new ScheduleSlot(SlotId, OfferId, Now, Now.AddHours(1), 4), null, OfferWith(), Now).ThenRefused("slot_in_past");

    [Fact]
    public void A_slot_is_scheduled_once() =>
        Slot.Decide(new ScheduleSlot(SlotId, OfferId, Start, End, 4), SlotWith(), OfferWith(), Now).ThenRefused("slot_exists");
}
