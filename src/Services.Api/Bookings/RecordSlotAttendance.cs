using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Security;
using Services.Api.Slots;

namespace Services.Api.Bookings;

/// <summary>The attendance of several bookings of one slot, recorded all together or not at all.</summary>
/// <param name="Records">Each booking once.</param>
public sealed record RecordSlotAttendance(string SlotId, IReadOnlyList<RecordAttendance> Records);

public static partial class Booking
{
    /// <param name="bookings">The states of the bookings the records name, by booking id (absent: no such booking).</param>
    /// <returns>The events of each booking, by booking id: each record decided as <see cref="RecordAttendance"/> alone is.</returns>
    public static Decision<IReadOnlyDictionary<string, IReadOnlyList<object>>> Decide(
        RecordSlotAttendance command, IReadOnlyDictionary<string, BookingState> bookings, DateTimeOffset now)
    {
        var events = new Dictionary<string, IReadOnlyList<object>>(StringComparer.Ordinal);
        for (var i = 0; i < command.Records.Count; i++)
        {
            var record = command.Records[i];
            // Unknown or of another slot alike: a booking of another offer is none of the caller's business.
            var decision = bookings.GetValueOrDefault(record.BookingId) is { } booking && booking.SlotId == command.SlotId
                ? Decide(record, booking, now)
                : Decision.Refuse("booking_not_in_slot", $"Booking {record.BookingId} is not a booking of slot {command.SlotId}.");
            if (decision.Refusal is { } refusal) return Naming(refusal, i, record.BookingId);
            events.Add(record.BookingId, decision.Events!);
        }
        return Decision<IReadOnlyDictionary<string, IReadOnlyList<object>>>.Accept(events);
    }

    /// <summary>A record's refusal refuses them all: it says which record, in its detail and as facts a program reads.</summary>
    private static Refusal Naming(Refusal refusal, int index, string bookingId) => refusal with
    {
        Detail = $"records[{index}]: {refusal.Detail}",
        Facts = new Dictionary<string, object>(refusal.Facts ?? new Dictionary<string, object>()) { ["record"] = $"records[{index}]", ["bookingId"] = bookingId },
    };
}

/// <param name="BookingId">A booking (`bkg_…`) of the slot.</param>
/// <param name="Outcome">attended or no_show: both are charged on the company's usage statement.</param>
public sealed record SlotAttendanceRecord(string BookingId, AttendanceOutcome Outcome);

/// <param name="Records">The slot's bookings and their outcomes, each booking once.</param>
public sealed record RecordSlotAttendanceRequest([property: Length(1, RecordSlotAttendanceRequest.MaxRecords)] IReadOnlyList<SlotAttendanceRecord> Records)
{
    public const int MaxRecords = 200;

    public Validation Validate()
    {
        var validation = new Validation();
        return validation.Items("records", "record", Records, MaxRecords,
            (field, record) => validation.Id($"{field}.bookingId", record.BookingId, Ids.Booking),
            record => record.BookingId,
            first => $"The same booking as records[{first}]: record each booking once.");
    }
}

/// <param name="Bookings">The bookings, in the order of the records.</param>
public sealed record RecordedSlotAttendanceResponse(IReadOnlyList<BookingResponse> Bookings);

public static class RecordSlotAttendanceEndpoint
{
    public static void MapRecordSlotAttendance(this IEndpointRouteBuilder slots) =>
        slots.MapPost("/{slotId}/attendance", Handle)
            .WithName("recordSlotAttendance")
            .AnswersWithPosition()
            .WithSummary("Record the attendance of a slot's bookings in one call")
            .WithDescription($"recordAttendance for up to {RecordSlotAttendanceRequest.MaxRecords} bookings of one slot (a driver's list of a shuttle), by those who may record attendance on the slot's offer: its club, one of its providers, or the operator (anyone else: 403). Each record is decided as recordAttendance decides it (confirmed bookings only, from the slot's start, corrections until 30 days after it; the same outcome again changes nothing), and all are recorded together or none: the first record refused refuses the request with its 409, whose problem names it (record: records[i], and bookingId). A booking that is not one of the slot's is refused with booking_not_in_slot. Each booking at most once: a repeat is a 400 naming it (records[i]). Answers the bookings in the order of the records, as recordAttendance answers each, except that contact details are withheld (read the booking or the list for them): the copy of the answer kept for an Idempotency-Key must not outlive a beneficiary's erasure.")
            .AllowKinds(OrganizationKind.Club, OrganizationKind.Provider)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("attendance_already_recorded", "attendance_window_closed", "booking_not_confirmed", "booking_not_in_slot", "slot_not_started");

    private sealed record Recorded(IReadOnlyList<BookingState>? Bookings, EventStore.FeedPosition? Position, Refusal? Refusal);

    private static async Task<Results<Ok<RecordedSlotAttendanceResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string slotId, RecordSlotAttendanceRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = request.Validate();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        // A slot's offer never changes: read it first to know who delivers it.
        var slot = (await store.LoadAsync(Slot.Stream(slotId), cancellationToken)).State;
        if (slot is null) return Problems.NotFound("slot");
        var offer = (await store.LoadAsync(Offer.Stream(slot.OfferId), cancellationToken)).State;
        if (!Booking.IsDeliveredBy(offer, caller))
            return Problems.Forbidden($"Only the club or a provider of slot {slotId}'s offer, or the operator, may record its attendance.");

        var bookingIds = request.Records.Select(record => record.BookingId).ToList();
        var command = new RecordSlotAttendance(slotId, [.. request.Records.Select(record => new RecordAttendance(record.BookingId, record.Outcome, caller.OrganizationId))]);
        var metadata = Writes.Metadata(http, caller);
        var recorded = await runner.RunAsync(bookingIds.Select(Booking.StreamId), async (streams, ct) =>
        {
            var bookings = await streams.LoadManyAsync(bookingIds, Booking.Stream, ct);
            var decision = Booking.Decide(command, bookings, time.GetUtcNow());
            if (decision.Refusal is { } refusal) return new Recorded(null, null, refusal);
            var events = decision.Events!;
            var states = bookingIds.Select(id => Booking.Stream(id).Fold(bookings[id], events[id])!).ToList();
            // The same outcomes again change nothing, and append nothing.
            if (events.Values.All(e => e.Count == 0)) return new Recorded(states, null, null);
            var result = await streams.AppendAsync(metadata, events.Select(e => (Booking.StreamId(e.Key), e.Value)), ct);
            return new Recorded(states, result.LastPosition, null);
        }, cancellationToken);

        if (recorded.Refusal is { } refused) return Problems.Refused(refused);
        if (recorded.Position is { } position) http.Response.Headers[Writes.PositionHeader] = position.ToString();
        var companies = new Dictionary<string, string?>(StringComparer.Ordinal);
        var answered = new List<BookingResponse>();
        foreach (var booking in recorded.Bookings!)
        {
            if (!companies.TryGetValue(booking.CompanyId, out var companyName))
                companies[booking.CompanyId] = companyName = (await Booking.CompanyAsync(store, booking, cancellationToken))?.Name;
            answered.Add(BookingResponse.From(booking, companyName, slot: null, BookingContacts.Unread(booking), slotCancellation: null));
        }
        return TypedResults.Ok(new RecordedSlotAttendanceResponse(answered));
    }
}
