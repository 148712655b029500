using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Beneficiaries;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Security;
using Services.Api.Slots;
using Services.Api.Subscriptions;

namespace Services.Api.Bookings;

/// <param name="Reason">Who asks: on_request (the booking's company), club_request (the offer's club) or operator_request.</param>
public sealed record CancelBooking(string BookingId, CancellationReason Reason);

/// <param name="Promoted">Events per booking id for the waitlisted bookings that got the freed seats.</param>
public sealed record CancelBookingOutcome(
    IReadOnlyList<object> Booking,
    IReadOnlyList<object> Slot,
    IReadOnlyList<object> Subscription,
    IReadOnlyDictionary<string, IReadOnlyList<object>> Promoted);

public static partial class Booking
{
    /// <param name="slot">The booking's slot.</param>
    /// <param name="subscription">The booking's subscription.</param>
    /// <param name="passedOver">Waitlisted bookings not to promote (their company over its quota, or their subscription ended before the slot's day): they keep their place.</param>
    public static Decision<CancelBookingOutcome> Decide(
        CancelBooking command,
        BookingState? state,
        SlotState? slot,
        SubscriptionState? subscription,
        DateTimeOffset now,
        IReadOnlySet<string>? passedOver = null)
    {
        if (state is null) return NotFound(command.BookingId);
        if (state.Status is not (BookingStatus.Confirmed or BookingStatus.Waitlisted))
            return Decision.Refuse("booking_not_cancellable", $"Booking {state.Id} is {WireName.Of(state.Status)}; only confirmed or waitlisted bookings can be cancelled.");
        if (slot is null) return Slot.NotFound(state.SlotId);
        if (slot.HasStarted(now)) return Slot.Started(slot);
        if (subscription is null) return Subscription.NotFound(state.SubscriptionId);

        object freed = state.Status == BookingStatus.Confirmed
            ? new SeatReleased(state.Id, state.Quantity)
            : new WaitlistLeft(state.Id);
        var promotion = Waitlist.Promote(Slot.Apply(slot, freed), passedOver);
        return Decision<CancelBookingOutcome>.Accept(new CancelBookingOutcome(
            Booking: [new BookingCancelled(command.Reason)],
            Slot: [freed, .. promotion.Slot],
            Subscription: [Subscription.Release(subscription, state.Id)],
            Promoted: promotion.Bookings));
    }
}

public static class CancelBookingEndpoint
{
    public static void MapCancelBooking(this IEndpointRouteBuilder bookings) =>
        bookings.MapPost("/{bookingId}/cancel", Handle)
            .WithName("cancelBooking")
            .WithSummary("Cancel a booking")
            .WithDescription("The booking company, the offer's club or the operator, before the slot starts. The booking's cancelReason says who asked: on_request (its company), club_request or operator_request. The units go back to the subscription's quota; freed seats go at once to waitlisted bookings, in waitlist order (one too large for the seats left, whose company is over a monthly quota lowered since it booked, or whose subscription ended before the slot's day, keeps its place). Accepts If-Match.")
            .AllowKinds(OrganizationKind.Company, OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("booking_not_cancellable", "slot_started")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<BookingResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string bookingId, Caller caller, CommandRunner runner, EventStore.EventStore store, ContactVault vault, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var booking = Booking.Stream(bookingId);
        // A booking's slot, subscription and offer never change: read them first to know which streams to lock.
        var first = (await store.LoadAsync(booking, cancellationToken)).State;
        if (first is null) return Problems.NotFound("booking");
        var offer = (await store.LoadAsync(Offer.Stream(first.OfferId), cancellationToken)).State;
        if (!Booking.IsCancellableBy(first, offer, caller)) return Problems.NotFound("booking");
        var contact = BookingContacts.Answered(http, first.Contact, await BookingContacts.ShownAsync(first, offer, caller, time.GetUtcNow(), vault, cancellationToken));
        var companyName = (await Booking.CompanyAsync(store, first, cancellationToken))?.Name;
        var slot = Slot.Stream(first.SlotId);
        var subscription = Subscription.Stream(first.SubscriptionId);
        // Waitlisted bookings only ever change under their slot's lock, so the promoted ones (and their subscriptions) are loaded after deciding.
        var change = await runner.RunAsync([booking.Id, slot.Id, subscription.Id], async (streams, ct) =>
        {
            var state = await streams.LoadAsync(booking, ct);
            if (state is null) return Change<BookingResponse>.NotFound("booking");
            if (!ifMatch.Allows(streams.VersionOf(booking.Id))) return Change<BookingResponse>.Stale(streams.VersionOf(booking.Id));
            var slotState = await streams.LoadAsync(slot, ct);
            var subscriptionState = await streams.LoadAsync(subscription, ct);
            var decision = await PromotionQuota.DecideAsync(streams,
                passedOver => Booking.Decide(new CancelBooking(bookingId, Booking.CancellationBy(state, caller)), state, slotState, subscriptionState, time.GetUtcNow(), passedOver),
                outcome => outcome.Promoted.Keys,
                outcome => new Dictionary<string, SubscriptionState> { [state.SubscriptionId] = subscription.Fold(subscriptionState, outcome.Subscription)! },
                ct);
            if (decision.Refusal is { } refusal) return Refusals.ToChange<BookingResponse>(refusal);
            var outcome = decision.Events!;
            var result = await streams.AppendAsync(Writes.Metadata(http, caller),
                [
                    (booking.Id, outcome.Booking),
                    (slot.Id, outcome.Slot),
                    (subscription.Id, outcome.Subscription),
                    .. outcome.Promoted.Select(promoted => (Booking.StreamId(promoted.Key), promoted.Value)),
                ], ct);
            var response = BookingResponse.From(booking.Fold(state, outcome.Booking)!, companyName, slot.Fold(slotState, outcome.Slot), contact, slotCancellation: null);
            return Change<BookingResponse>.Done(response, result.VersionOf(booking.Id), result.LastPosition);
        }, cancellationToken);
        return change.ToHttp(http.Response, TypedResults.Ok);
    }
}
