using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Security;

namespace Services.Api.Slots;

public sealed record RescheduleSlot(string SlotId, DateTimeOffset Start, DateTimeOffset End);

/// <param name="Bookings">Events per booking id for the slot's confirmed and waitlisted bookings, which follow it.</param>
public sealed record RescheduleSlotOutcome(IReadOnlyList<object> Slot, IReadOnlyDictionary<string, IReadOnlyList<object>> Bookings);

public static partial class Slot
{
    /// <param name="offer">The slot's offer: its time zone draws the day the slot stays on.</param>
    public static Decision<RescheduleSlotOutcome> Decide(RescheduleSlot command, SlotState? state, OfferState? offer, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.SlotId);
        if (state.Cancelled) return Cancelled(state);
        if (state.HasStarted(now)) return Started(state);
        if (offer is null) return Offer.NotFound(state.OfferId);
        if (offer.Status == OfferStatus.Withdrawn) return Offer.Withdrawn(offer);
        if (command.End <= command.Start) return EndsBeforeStart(command.Start, command.End);
        if (command.Start <= now) return InPast(command.Start, now);
        // Quota months, demand weeks and subscription days are all counted on the slot's local day: within it, none move.
        var day = offer.LocalDate(state.Start);
        var newDay = offer.LocalDate(command.Start);
        if (newDay != day)
            return Decision.Refuse("slot_reschedule_changes_day",
                $"Slot {state.Id} is on {day:yyyy-MM-dd} ({offer.TimeZone}) and moves within that day only; {WireName.Of(command.Start)} is on {newDay:yyyy-MM-dd}. Cancel the slot and schedule a new one instead.");

        var start = command.Start.ToUniversalTime();
        var end = command.End.ToUniversalTime();
        if (start == state.Start && end == state.End)
            return Decision<RescheduleSlotOutcome>.Accept(new RescheduleSlotOutcome([], new Dictionary<string, IReadOnlyList<object>>()));
        var moved = new BookingRescheduled(state.Id, state.Start, start);
        return Decision<RescheduleSlotOutcome>.Accept(new RescheduleSlotOutcome(
            [new SlotRescheduled(state.OfferId, state.Start, state.End, start, end)],
            start == state.Start
                ? new Dictionary<string, IReadOnlyList<object>>() // a booking keeps its slot's start only
                : BookingIds(state).ToDictionary(id => id, _ => (IReadOnlyList<object>)[moved], StringComparer.Ordinal)));
    }
}

/// <summary>The slot's new start and end, in RFC 3339 (stored in UTC).</summary>
/// <param name="Start">The new start, with its offset (UTC with Z, or +01:00); the same local day as before.</param>
/// <param name="End">The new end, with its offset; after the start.</param>
public sealed record RescheduleSlotRequest(DateTimeOffset Start, DateTimeOffset End)
{
    public Validation Validate(DateTimeOffset now) => new Validation().SlotTimes("", Start, End, now);
}

public static class RescheduleSlotEndpoint
{
    public static void MapRescheduleSlot(this IEndpointRouteBuilder slots) =>
        slots.MapPost("/{slotId}/reschedule", Handle)
            .WithName("rescheduleSlot")
            .WithSummary("Move a slot to another time of the same day")
            .WithDescription($"The club that published the offer, or the operator, before the slot starts, to a new start in the future on the same local day in the offer's time zone (a shuttle leaving 15 minutes later, a workshop moved to the afternoon): quota months, demand weeks and subscription days all follow that day, so none of them move. To another day, cancel the slot and schedule a new one (slot_reschedule_changes_day). The slot keeps its capacity, bookings and waitlist; each confirmed and waitlisted booking follows it in the same transaction (its slotStart; cancellable until the new start, attendance from it), and its company, the offer's club and providers get booking.rescheduled, everyone slot.rescheduled. A slot lasts at most {Slot.MaxDuration.TotalHours:0} hours; the same start and end change nothing. A withdrawn offer's slots stay where they are. Send the ETag as If-Match to change only what you read.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("slot_cancelled", "slot_started", "offer_withdrawn", "slot_in_past", "slot_reschedule_changes_day")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<SlotResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string slotId, RescheduleSlotRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var validation = request.Validate(time.GetUtcNow());
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        return await SlotChanges.ChangeAsync(runner, store, time, slotId, caller, ifMatch,
            slot => Slot.BookingIds(slot).Select(Booking.StreamId),
            async (streams, slot, offer, ct) =>
            {
                // Loaded to be appended to, at the versions read.
                await streams.LoadManyAsync(Slot.BookingIds(slot), Booking.Stream, ct);
                var decision = Slot.Decide(new RescheduleSlot(slotId, request.Start, request.End), slot, offer, time.GetUtcNow());
                if (decision.Refusal is { } refusal) return refusal;
                var outcome = decision.Events!;
                return Decision<IReadOnlyList<(string StreamId, IReadOnlyList<object> Events)>>.Accept(
                    [(Slot.StreamId(slotId), outcome.Slot), .. outcome.Bookings.Select(b => (Booking.StreamId(b.Key), b.Value))]);
            }, http, cancellationToken);
    }
}
