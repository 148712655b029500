using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;
using Services.Api.Subscriptions;

namespace Services.Api.Slots;

public sealed record CancelSlot(string SlotId, string Reason);

public sealed record CancelSlotOutcome(
    IReadOnlyList<object> Slot,
    IReadOnlyDictionary<string, IReadOnlyList<object>> Bookings,
    IReadOnlyDictionary<string, IReadOnlyList<object>> Subscriptions);

public static partial class Slot
{
    /// <param name="bookings">The states of the slot's confirmed and waitlisted bookings, by booking id.</param>
    /// <param name="subscriptions">The states of those bookings' subscriptions, by subscription id.</param>
    public static Decision<CancelSlotOutcome> Decide(
        CancelSlot command,
        SlotState? state,
        IReadOnlyDictionary<string, BookingState> bookings,
        IReadOnlyDictionary<string, SubscriptionState> subscriptions,
        DateTimeOffset now)
    {
        if (state is null) return NotFound(command.SlotId);
        if (state.Cancelled) return Cancelled(state);
        if (state.HasStarted(now)) return Started(state);

        var ended = EndedBookings.Of(BookingIds(state), new BookingCancelled(CancellationReason.SlotCancelled), bookings, subscriptions);
        return Decision<CancelSlotOutcome>.Accept(new CancelSlotOutcome([new SlotCancelled(command.Reason, now)], ended.Bookings, ended.Subscriptions));
    }
}

/// <param name="Reason">Why, in the club's words: shown with the slot and with each booking it cancels.</param>
public sealed record CancelSlotRequest([property: StringLength(Slot.MaxReason, MinimumLength = 1)] string Reason)
{
    public Validation Validate() => new Validation().Text("reason", Reason, Slot.MaxReason);
}

public static class CancelSlotEndpoint
{
    public static void MapCancelSlot(this IEndpointRouteBuilder slots) =>
        slots.MapPost("/{slotId}/cancel", Handle)
            .WithName("cancelSlot")
            .WithSummary("Cancel a slot")
            .WithDescription("The club that published the offer, or the operator, before the slot starts. Every confirmed and waitlisted booking of the slot is cancelled with it and its units go back to its subscription's quota, in the same transaction. The reason is public: the slot shows it with the instant of its cancellation (cancellation), and so does each booking it cancelled (slotCancellation), for their companies and providers to pass on. Send the ETag as If-Match to change only what you read.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("slot_cancelled", "slot_started")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<SlotResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string slotId, CancelSlotRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var validation = request.Validate();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        return await SlotChanges.ChangeAsync(runner, store, time, slotId, caller, ifMatch,
            slot => Slot.BookingIds(slot).Select(Booking.StreamId),
            async (streams, slot, _, ct) =>
            {
                var bookings = await streams.LoadManyAsync(Slot.BookingIds(slot), Booking.Stream, ct);
                var subscriptions = await streams.LoadManyAsync(bookings.Values.Select(b => b.SubscriptionId), Subscription.Stream, ct);
                var decision = Slot.Decide(new CancelSlot(slotId, request.Reason.Trim()), slot, bookings, subscriptions, time.GetUtcNow());
                if (decision.Refusal is { } refusal) return refusal;
                var outcome = decision.Events!;
                return Decision<IReadOnlyList<(string StreamId, IReadOnlyList<object> Events)>>.Accept(
                [
                    (Slot.StreamId(slotId), outcome.Slot),
                    .. outcome.Bookings.Select(b => (Booking.StreamId(b.Key), b.Value)),
                    .. outcome.Subscriptions.Select(s => (Subscription.StreamId(s.Key), s.Value)),
                ]);
            }, http, cancellationToken);
    }
}
