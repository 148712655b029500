using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using static Services.Api.Tests.Bookings.BookingExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Bookings;

public sealed class ChangeBookingContactTests
{
    private static readonly SealedContact Sealed = new("dk_1", "c2VhbGVk");
    private static readonly SealedContact Corrected = new("dk_1", "Y29ycmVjdGVk");

    private static ChangeBookingContact Put(SealedContact? contact) => new(BookingId, contact);

    private static BookingState ConfirmedWithContact() =>
        BookingOf(Requested() with { Contact = Sealed }, new BookingConfirmed());

    [Fact]
    public void A_confirmed_booking_gets_the_corrected_details_and_keeps_its_seat()
    {
        var booking = ConfirmedWithContact();

        var events = Booking.Decide(Put(Corrected), booking, Now).ThenAccepted();

        events.ShouldBeEvents(new BookingContactChanged(booking.BeneficiaryRef, Corrected));
        var after = events.Aggregate(booking, (state, e) => Booking.Evolve(state, e)!);
        after.ShouldBe(booking with { Contact = Corrected });
    }

    [Fact]
    public void A_waitlisted_booking_without_details_gets_some_and_keeps_its_place() =>
        Booking.Decide(Put(Sealed), WaitlistedBooking(), Now).Then(new BookingContactChanged($"employee-of-{BookingId}", Sealed));

    [Fact]
    public void Removing_the_details_records_none() =>
        Booking.Decide(Put(null), ConfirmedWithContact(), Now).Then(new BookingContactChanged($"employee-of-{BookingId}", null));

    [Fact]
    public void Removing_details_a_booking_does_not_have_changes_nothing() =>
        Booking.Decide(Put(null), ConfirmedBooking(), Now).Then();

    [Fact]
    public void No_change_once_the_slot_has_started() =>
        Booking.Decide(Put(Corrected), ConfirmedWithContact(), Start).ThenRefused("slot_started");

    [Fact]
    public void The_start_a_rescheduled_slot_moved_to_is_the_one_that_counts()
    {
        var moved = BookingOf(Requested(), new BookingConfirmed(), new BookingRescheduled(SlotId, Start, Start.AddHours(3)));

        Booking.Decide(Put(Corrected), moved, Start.AddHours(1)).ThenAccepted().ShouldNotBeEmpty();
        Booking.Decide(Put(Corrected), moved, Start.AddHours(3)).ThenRefused("slot_started");
    }

    [Theory]
    [InlineData("cancelled")]
    [InlineData("expired")]
    public void An_ended_booking_keeps_its_details(string ended)
    {
        object end = ended == "cancelled" ? new BookingCancelled(CancellationReason.OnRequest) : new BookingExpired();
        var booking = BookingOf(Requested() with { Contact = Sealed }, new BookingWaitlisted(1), end);

        Booking.Decide(Put(Corrected), booking, Now).ThenRefused("booking_ended").Detail.ShouldContain(ended);
        Booking.Decide(Put(null), booking, Now).ThenRefused("booking_ended");
    }

    [Fact]
    public void An_unknown_booking_gets_no_details() =>
        Booking.Decide(Put(Corrected), null, Now).ThenRefused("booking_not_found");
}
