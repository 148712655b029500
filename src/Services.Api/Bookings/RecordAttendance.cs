using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Beneficiaries;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Security;

namespace Services.Api.Bookings;

/// <param name="RecordedBy">The organization (club or provider) that recorded it.</param>
public sealed record RecordAttendance(string BookingId, AttendanceOutcome Outcome, string RecordedBy);

public static partial class Booking
{
    /// <summary>
    /// How long after its slot starts attendance may be recorded or corrected: time for the club to check what a
    /// provider recorded; after it, the month's statements and indicators stand, so a late first record cannot change them either.
    /// </summary>
    public static readonly TimeSpan AttendanceCorrectionWindow = TimeSpan.FromDays(30);

    public static Decision<IReadOnlyList<object>> Decide(RecordAttendance command, BookingState? state, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.BookingId);
        if (state.Status != BookingStatus.Confirmed)
            return Decision.Refuse("booking_not_confirmed", $"Booking {state.Id} is {WireName.Of(state.Status)}; attendance is recorded for confirmed bookings only.");
        if (now < state.SlotStart)
            return Decision.Refuse("slot_not_started", $"Slot {state.SlotId} starts at {WireName.Of(state.SlotStart)}; attendance is recorded from then on.");
        if (state.Attendance == command.Outcome) return Decision.Accept();
        var closes = state.SlotStart + AttendanceCorrectionWindow;
        if (now >= closes)
            return state.Attendance is { } recorded
                ? Decision.Refuse("attendance_already_recorded", $"Attendance of booking {state.Id} is recorded as {WireName.Of(recorded)}; it could be corrected until {WireName.Of(closes)}.")
                : Decision.Refuse("attendance_window_closed", $"Attendance of booking {state.Id} could be recorded until {WireName.Of(closes)}; the statements of its month stand.");

        return Decision.Accept(new AttendanceRecorded(command.Outcome, command.RecordedBy, now));
    }
}

/// <param name="Outcome">attended or no_show: both are charged on the company's usage statement.</param>
public sealed record RecordAttendanceRequest(AttendanceOutcome Outcome);

public static class RecordAttendanceEndpoint
{
    public static void MapRecordAttendance(this IEndpointRouteBuilder bookings) =>
        bookings.MapPost("/{bookingId}/attendance", Handle)
            .WithName("recordAttendance")
            .WithSummary("Record whether a confirmed booking was attended")
            .WithDescription("The offer's club, one of its providers, or the operator, once the slot has started: attended or no_show. Attendance is recorded, and corrected by recording the other outcome (a new booking.attendance_recorded event; statements and indicators follow), until 30 days after the slot starts; after that the month's figures stand (attendance_already_recorded, or attendance_window_closed when none was recorded). The same outcome again changes nothing. Accepts If-Match. A slot's whole list at once: recordSlotAttendance.")
            .AllowKinds(OrganizationKind.Club, OrganizationKind.Provider)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("attendance_already_recorded", "attendance_window_closed", "booking_not_confirmed", "slot_not_started")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<BookingResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string bookingId, RecordAttendanceRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, ContactVault vault, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var booking = Booking.Stream(bookingId);
        // The offer of a booking never changes: read it first to know who delivers it.
        var first = (await store.LoadAsync(booking, cancellationToken)).State;
        if (first is null) return Problems.NotFound("booking");
        var offer = (await store.LoadAsync(Offer.Stream(first.OfferId), cancellationToken)).State;
        var change = await runner.ChangeAsync(store, booking, "booking",
            state => Booking.IsDeliveredBy(offer, caller), ifMatch,
            state => Booking.Decide(new RecordAttendance(bookingId, request.Outcome, caller.OrganizationId), state, time.GetUtcNow()),
            Writes.Metadata(http, caller), cancellationToken);
        var contact = BookingContacts.Answered(http, first.Contact, await BookingContacts.ShownAsync(first, offer, caller, time.GetUtcNow(), vault, cancellationToken));
        var companyName = (await Booking.CompanyAsync(store, first, cancellationToken))?.Name;
        return change.ToHttp(http.Response, state => TypedResults.Ok(BookingResponse.From(state, companyName, slot: null, contact, slotCancellation: null)));
    }
}
