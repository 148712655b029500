using Services.Api.Bookings;
using static Services.Api.Tests.Bookings.BookingExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Bookings;

public sealed class RecordSlotAttendanceTests
{
    private static readonly IReadOnlyDictionary<string, BookingState> Bookings = new Dictionary<string, BookingState>
    {
        ["bkg_1"] = ConfirmedBooking("bkg_1"),
        ["bkg_2"] = ConfirmedBooking("bkg_2"),
        ["bkg_3"] = BookingOf(Requested("bkg_3"), new BookingConfirmed(), new AttendanceRecorded(AttendanceOutcome.NoShow, ClubId)),
        ["bkg_waiting"] = WaitlistedBooking("bkg_waiting"),
        ["bkg_elsewhere"] = BookingOf(Requested("bkg_elsewhere") with { SlotId = "slt_tuesday" }, new BookingConfirmed()),
    };

    private static RecordSlotAttendance Records(params (string BookingId, AttendanceOutcome Outcome)[] records) =>
        new(SlotId, [.. records.Select(r => new RecordAttendance(r.BookingId, r.Outcome, ProviderId))]);

    [Fact]
    public void Each_booking_of_the_slot_is_recorded_as_it_would_be_alone() =>
        Booking.Decide(Records(("bkg_1", AttendanceOutcome.Attended), ("bkg_2", AttendanceOutcome.NoShow), ("bkg_3", AttendanceOutcome.NoShow)), Bookings, End)
            .ThenAccepted().ShouldBeEvents(
                ("bkg_1", [new AttendanceRecorded(AttendanceOutcome.Attended, ProviderId, End)]),
                ("bkg_2", [new AttendanceRecorded(AttendanceOutcome.NoShow, ProviderId, End)]),
                ("bkg_3", []));

    [Fact]
    public void One_record_refused_refuses_them_all_and_says_which()
    {
        var refusal = Booking.Decide(Records(("bkg_1", AttendanceOutcome.Attended), ("bkg_waiting", AttendanceOutcome.Attended)), Bookings, End)
            .ThenRefused("booking_not_confirmed");

        refusal.Detail.ShouldStartWith("records[1]: Booking bkg_waiting is waitlisted");
        refusal.Facts.ShouldNotBeNull().ShouldSatisfyAllConditions(
            f => f["record"].ShouldBe("records[1]"),
            f => f["bookingId"].ShouldBe("bkg_waiting"));
    }

    [Fact]
    public void Every_record_follows_the_single_rules_on_time_too() =>
        Booking.Decide(Records(("bkg_1", AttendanceOutcome.Attended)), Bookings, Start.AddTicks(-1))
            .ThenRefused("slot_not_started").Facts!["record"].ShouldBe("records[0]");

    [Theory]
    [InlineData("bkg_elsewhere")]
    [InlineData("bkg_unknown")]
    public void A_booking_that_is_not_one_of_the_slots_is_refused_naming_it(string bookingId)
    {
        var refusal = Booking.Decide(Records(("bkg_1", AttendanceOutcome.Attended), (bookingId, AttendanceOutcome.Attended)), Bookings, End)
            .ThenRefused("booking_not_in_slot");

        refusal.Detail.ShouldBe($"records[1]: Booking {bookingId} is not a booking of slot {SlotId}.");
        refusal.Facts!["bookingId"].ShouldBe(bookingId);
    }
}
