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
            .Then(new AttendanceRecorded(AttendanceOutcome.Attended, ProviderId, End));

    [Fact]
    public void A_no_show_is_recorded_from_the_start() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.NoShow, ClubId), ConfirmedBooking(), Start)
            .Then(new AttendanceRecorded(AttendanceOutcome.NoShow, ClubId, Start));

    [Fact]
    public void Attendance_of_a_promoted_booking_is_recorded() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), BookingOf(Requested(), new BookingWaitlisted(1), new BookingPromoted()), End)
            .Then(new AttendanceRecorded(AttendanceOutcome.Attended, ProviderId, End));

    [Fact]
    public void Attendance_is_not_recorded_before_the_start() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), ConfirmedBooking(), Start.AddTicks(-1))
            .ThenRefused("slot_not_started");

    private static BookingState RecordedNoShow() => BookingOf(Requested(), new BookingConfirmed(), new AttendanceRecorded(AttendanceOutcome.NoShow, ClubId));

    [Fact]
    public void A_recorded_attendance_is_corrected_until_thirty_days_after_the_start() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), RecordedNoShow(), Start + Booking.AttendanceCorrectionWindow - TimeSpan.FromTicks(1))
            .Then(new AttendanceRecorded(AttendanceOutcome.Attended, ProviderId, Start + Booking.AttendanceCorrectionWindow - TimeSpan.FromTicks(1)));

    [Fact]
    public void After_that_it_stands() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), RecordedNoShow(), Start + Booking.AttendanceCorrectionWindow)
            .ThenRefused("attendance_already_recorded").Detail.ShouldContain("no_show");

    [Fact]
    public void A_first_record_is_accepted_until_thirty_days_after_the_start_then_the_months_figures_stand()
    {
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), ConfirmedBooking(), Start + Booking.AttendanceCorrectionWindow - TimeSpan.FromTicks(1))
            .Then(new AttendanceRecorded(AttendanceOutcome.Attended, ProviderId, Start + Booking.AttendanceCorrectionWindow - TimeSpan.FromTicks(1)));
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), ConfirmedBooking(), Start + Booking.AttendanceCorrectionWindow)
            .ThenRefused("attendance_window_closed");
    }

    [Fact]
    public void The_same_outcome_again_changes_nothing_whenever_it_comes()
    {
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.NoShow, ProviderId), RecordedNoShow(), End).ThenAccepted().ShouldBeEmpty();
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.NoShow, ProviderId), RecordedNoShow(), Start.AddYears(1)).ThenAccepted().ShouldBeEmpty();
    }

    [Fact]
    public void Attendance_is_recorded_for_confirmed_bookings_only() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), WaitlistedBooking(), End)
            .ThenRefused("booking_not_confirmed");

    [Fact]
    public void An_unknown_booking_has_no_attendance() =>
        Booking.Decide(new RecordAttendance(BookingId, AttendanceOutcome.Attended, ProviderId), null, End).ThenRefused("booking_not_found");

    [Fact]
    public void The_booking_shows_who_recorded_its_attendance_as_it_stands_and_when()
    {
        var corrected = BookingOf(Requested(), new BookingConfirmed(), new AttendanceRecorded(AttendanceOutcome.NoShow, ClubId, Start),
            new AttendanceRecorded(AttendanceOutcome.Attended, ProviderId, End));

        corrected.ShouldSatisfyAllConditions(
            b => b.Attendance.ShouldBe(AttendanceOutcome.Attended),
            b => b.AttendanceRecordedBy.ShouldBe(ProviderId),
            b => b.AttendanceRecordedAt.ShouldBe(End));
        // Recorded before its instant was kept: who is known, when is not.
        RecordedNoShow().ShouldSatisfyAllConditions(b => b.AttendanceRecordedBy.ShouldBe(ClubId), b => b.AttendanceRecordedAt.ShouldBeNull());
    }
}
