using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.Offers;

namespace Services.Api.Slots;

public static class GetSlotEndpoint
{
    public static void MapGetSlot(this IEndpointRouteBuilder slots) =>
        slots.MapGet("/{slotId}", Handle)
            .WithName("getSlot")
            .AnswersWithVersion()
            .WithSummary("Read a slot's availability")
            .WithDescription("Slots are public: any organization may read their capacity, reserved and remaining units and waitlist length, and its offer's status: remaining is 0 while the slot takes no bookings (started, cancelled, or its offer suspended or withdrawn). A cancelled slot shows its cancellation: the reason its club gave and when. Who booked is not shown.")
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<SlotResponse>, ProblemHttpResult>> Handle(
        string slotId, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var loaded = await store.LoadAsync(Slot.Stream(slotId), cancellationToken);
        if (loaded.State is null) return Problems.NotFound("slot");
        // A slot is scheduled on an offer that exists, and offers are never deleted.
        var offer = (await store.LoadAsync(Offer.Stream(loaded.State.OfferId), cancellationToken)).State!;
        // The ETag is the slot's version, for If-Match; the offer's status shapes the answer too, so no 304 is answered on it.
        ETags.Set(http.Response, loaded.Version);
        return TypedResults.Ok(SlotResponse.From(loaded.State, offer.Status, await Slot.CancellationAsync(store, loaded.State, cancellationToken), time.GetUtcNow()));
    }
}
