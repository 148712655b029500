using Services.Api.Bookings;
using static Services.Api.Tests.Bookings.BookingExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Slots.SlotExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Bookings;

public sealed class RecordAttendanceTests
{
    [Fact]
    public void Attendance_of_a_confirmed_booking_is_recorded_after_the_start() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), ConfirmedBooking(), End)
            .Then(new AttendanceRecorded(AttendanceOutcome.Attended, ProviderId));

    [Fact]
    public void A_no_show_is_recorded_from_the_start() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.NoShow, ClubId), ConfirmedBooking(), Start)
            .Then(new AttendanceRecorded(AttendanceOutcome.NoShow, ClubId));

    [Fact]
    public void Attendance_of_a_promoted_booking_is_recorded() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), BookingOf(Requested(), new BookingWaitlisted(1), new BookingPromoted()), End)
            .Then(new AttendanceRecorded(AttendanceOutcome.Attended, ProviderId));

    [Fact]
    public void Attendance_is_not_recorded_before_the_start() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), ConfirmedBooking(), Start.AddTicks(-1))
            .ThenRefused("slot_not_started");

    [Fact]
    public void Attendance_is_recorded_once() =>
        Booking.Decide(
                new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId),
                BookingOf(Requested(), new BookingConfirmed(), new AttendanceRecorded(AttendanceOutcome.NoShow, ClubId)), End)
            .ThenRefused("attendance_already_recorded").Detail.ShouldContain("no_show");

    [Fact]
    public void Attendance_is_recorded_for_confirmed_bookings_only() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), WaitlistedBooking(), End)
            .ThenRefused("booking_not_confirmed");

    [Fact]
    public void An_unknown_booking_has_no_attendance() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), null, End).ThenRefused("booking_not_found");
}
