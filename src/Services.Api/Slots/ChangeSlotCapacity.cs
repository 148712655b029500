using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;
using Services.Api.Subscriptions;

namespace Services.Api.Slots;

public sealed record ChangeSlotCapacity(string SlotId, int Capacity);

/// <param name="Promoted">Events per booking id for the waitlisted bookings that got the new seats.</param>
public sealed record ChangeSlotCapacityOutcome(IReadOnlyList<object> Slot, IReadOnlyDictionary<string, IReadOnlyList<object>> Promoted);

public static partial class Slot
{
    /// <param name="passedOver">Waitlisted bookings not to promote (their company over its quota, or their subscription ended before the slot's day): they keep their place.</param>
    public static Decision<ChangeSlotCapacityOutcome> Decide(ChangeSlotCapacity command, SlotState? state, DateTimeOffset now, IReadOnlySet<string>? passedOver = null)
    {
        if (state is null) return NotFound(command.SlotId);
        if (state.Cancelled) return Cancelled(state);
        if (state.HasStarted(now)) return Started(state);
        if (command.Capacity < 1)
            return Decision.Refuse("invalid_capacity", $"A slot has a capacity of at least 1; got {command.Capacity}.");
        if (command.Capacity < state.Reserved)
            return Decision.Refuse("capacity_below_reserved", $"Slot {state.Id} has {state.Reserved} units reserved; its capacity cannot drop to {command.Capacity}.")
                with { Facts = new Dictionary<string, object> { ["reserved"] = state.Reserved, ["capacity"] = command.Capacity } };
        // Such a booking could never be served: it would hold quota units until the slot starts, then count as unmet demand.
        if (state.Waitlist.FirstOrDefault(waiting => waiting.Quantity > command.Capacity) is { } tooLarge)
            return Decision.Refuse("capacity_below_waitlisted_booking",
                $"Booking {tooLarge.BookingId} waits for {tooLarge.Quantity} units of slot {state.Id}; its capacity cannot drop to {command.Capacity} unless that booking is cancelled first.")
                with { Facts = new Dictionary<string, object> { ["bookingId"] = tooLarge.BookingId, ["quantity"] = tooLarge.Quantity, ["capacity"] = command.Capacity } };
        if (command.Capacity == state.Capacity)
            return Decision<ChangeSlotCapacityOutcome>.Accept(new ChangeSlotCapacityOutcome([], new Dictionary<string, IReadOnlyList<object>>()));

        var changed = new SlotCapacityChanged(command.Capacity);
        var promotion = Waitlist.Promote(Apply(state, changed), passedOver);
        return Decision<ChangeSlotCapacityOutcome>.Accept(new ChangeSlotCapacityOutcome(
            Slot: [changed, .. promotion.Slot],
            Promoted: promotion.Bookings));
    }
}

/// <param name="Capacity">Units (seats, places) the slot offers from now on; raising it promotes waiting bookings that fit.</param>
public sealed record ChangeSlotCapacityRequest([property: Range(1, Slot.MaxCapacity)] int Capacity)
{
    public Validation Validate() => new Validation().Range("capacity", Capacity, 1, Slot.MaxCapacity);
}

public static class ChangeSlotCapacityEndpoint
{
    public static void MapChangeSlotCapacity(this IEndpointRouteBuilder slots) =>
        slots.MapPatch("/{slotId}", Handle)
            .WithName("changeSlotCapacity")
            .WithSummary("Change a slot's capacity")
            .WithDescription("The club that published the offer, or the operator, before the slot starts. It cannot drop below the units reserved (409 capacity_below_reserved, whose problem carries reserved and capacity, as asked for), nor below a waitlisted booking's quantity (409 capacity_below_waitlisted_booking, with bookingId, quantity and capacity); added seats go to waitlisted bookings in order (first fit; a booking whose company is over a monthly quota lowered since it booked, or whose subscription ended before the slot's day, keeps its place). Send the ETag as If-Match to change only what you read.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("slot_cancelled", "slot_started", "capacity_below_reserved", "capacity_below_waitlisted_booking")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<SlotResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string slotId, ChangeSlotCapacityRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var validation = request.Validate();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        return await SlotChanges.ChangeAsync(runner, store, time, slotId, caller, ifMatch,
            slot => slot.Waitlist.Select(w => Booking.StreamId(w.BookingId)),
            async (streams, slot, _, ct) =>
            {
                var decision = await PromotionQuota.DecideAsync(streams,
                    passedOver => Slot.Decide(new ChangeSlotCapacity(slotId, request.Capacity), slot, time.GetUtcNow(), passedOver),
                    outcome => outcome.Promoted.Keys,
                    _ => new Dictionary<string, SubscriptionState>(),
                    ct);
                if (decision.Refusal is { } refusal) return refusal;
                var outcome = decision.Events!;
                return Decision<IReadOnlyList<(string StreamId, IReadOnlyList<object> Events)>>.Accept(
                    [(Slot.StreamId(slotId), outcome.Slot), .. outcome.Promoted.Select(p => (Booking.StreamId(p.Key), p.Value))]);
            }, http, cancellationToken);
    }
}
