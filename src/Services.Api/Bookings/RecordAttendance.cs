using Services.Api.Common;

namespace Services.Api.Bookings;

/// <param name="RecordedBy">The organization (club or provider) that recorded it.</param>
public sealed record RecordAttendance(string BookingId, AttendanceOutcome Outcome, string RecordedBy);

public static partial class Booking
{
    public static Decision<IReadOnlyList<object>> Decide(RecordAttendance command, BookingState? state, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.BookingId);
        if (state.Attendance is { } recorded)
            return Decision.Refuse("attendance_already_recorded", $"Attendance of booking {state.Id} is already recorded as {WireName.Of(recorded)}.");
        if (state.Status != BookingStatus.Confirmed)
            return Decision.Refuse("booking_not_confirmed", $"Booking {state.Id} is {WireName.Of(state.Status)}; attendance is recorded for confirmed bookings only.");
        if (now < state.SlotStart)
            return Decision.Refuse("slot_not_started", $"Slot {state.SlotId} starts at {state.SlotStart:u}; attendance is recorded from then on.");

        return Decision.Accept(new AttendanceRecorded(command.Outcome, command.RecordedBy));
    }
}
