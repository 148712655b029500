using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Security;

namespace Services.Api.Slots;

public sealed record ScheduleSlot(string SlotId, string OfferId, DateTimeOffset Start, DateTimeOffset End, int Capacity);

public static partial class Slot
{
    public static Decision<IReadOnlyList<object>> Decide(ScheduleSlot command, SlotState? state, OfferState? offer, DateTimeOffset now)
    {
        if (state is not null)
            return Decision.Refuse("slot_exists", $"Slot {command.SlotId} already exists.");
        if (offer is null) return Offer.NotFound(command.OfferId);
        if (offer.Status == OfferStatus.Withdrawn) return Offer.Withdrawn(offer);
        if (command.End <= command.Start) return EndsBeforeStart(command.Start, command.End);
        if (command.Capacity < 1)
            return Decision.Refuse("invalid_capacity", $"A slot has a capacity of at least 1; got {command.Capacity}.");
        if (command.Start <= now) return InPast(command.Start, now);

        return Decision.Accept(new SlotScheduled(
            command.SlotId, offer.Id, command.Start.ToUniversalTime(), command.End.ToUniversalTime(), command.Capacity));
    }
}

/// <summary>One slot to schedule: instants in RFC 3339 (stored in UTC), capacity in units (seats).</summary>
/// <param name="Start">When the slot begins, with its offset (UTC with Z, or +01:00); in the future.</param>
/// <param name="End">When it ends, with its offset; after the start.</param>
/// <param name="Capacity">Units (seats, places) it offers.</param>
public sealed record ScheduleSlotItem(DateTimeOffset Start, DateTimeOffset End, [property: Range(1, Slot.MaxCapacity)] int Capacity);

/// <param name="Slots">The slots to create, each with its own times and capacity.</param>
public sealed record ScheduleSlotsRequest([property: Length(1, ScheduleSlotsRequest.MaxSlots)] IReadOnlyList<ScheduleSlotItem> Slots)
{
    public const int MaxSlots = 100;

    public Validation Validate(DateTimeOffset now)
    {
        var validation = new Validation();
        return validation.Items("slots", "slot", Slots, MaxSlots,
            (field, slot) =>
            {
                validation.Range($"{field}.capacity", slot.Capacity, 1, Slot.MaxCapacity);
                validation.SlotTimes($"{field}.", slot.Start, slot.End, now);
            },
            // Two slots at the same time may well be meant (two shuttles), but not asked for twice in one request: that is a
            // repeated line, and its seats belong in one slot's capacity. Instants compare as instants, whatever their offsets.
            slot => (slot.Start, slot.End),
            first => $"The same start and end as slots[{first}]: give each slot once (for more seats, a larger capacity).");
    }
}

/// <summary>The slots created, in the order they were asked for.</summary>
/// <param name="Slots">The new slots, in the order asked for, each with its id.</param>
public sealed record ScheduledSlotsResponse(IReadOnlyList<SlotResponse> Slots);

public static class ScheduleSlotsEndpoint
{
    public static void MapScheduleSlots(this IEndpointRouteBuilder offerSlots) =>
        offerSlots.MapPost("", Handle)
            .WithName("scheduleSlots")
            .AnswersWithVersion()
            .WithSummary("Schedule slots of an offer (one or many)")
            .WithDescription($"The owning club or the operator. Up to {ScheduleSlotsRequest.MaxSlots} slots in one request, created all together or not at all. Slots start in the future, at most {Slot.MaxYearsAhead} years ahead; a withdrawn offer takes no new slots. Two slots of one request with the same start and end are refused (400 naming the repeated one, slots[i]) as a line given twice; a slot at the same time as one the offer already has is scheduled (two shuttles may leave together). For one slot, Location and ETag give its URL and version; for several, neither is sent: each slot's id is in the answer, and a new slot's version is 1.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("offer_withdrawn", "slot_in_past");

    /// <param name="OfferStatus">The offer's, as the slots are shown with it: a suspended offer takes new slots, with nothing to book until it resumes.</param>
    private sealed record Scheduled(IReadOnlyList<SlotState>? Slots, EventStore.FeedPosition? Position, OfferStatus? OfferStatus, Refusal? Refusal, bool Missing, bool Forbidden);

    private static async Task<Results<Created<ScheduledSlotsResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string offerId, ScheduleSlotsRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = request.Validate(time.GetUtcNow());
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var offerStream = Offer.Stream(offerId);
        var slotIds = request.Slots.Select(_ => Ids.New(Ids.Slot)).ToList();
        var metadata = Writes.Metadata(http, caller);
        var outcome = await runner.RunAsync([offerStream.Id, .. slotIds.Select(Slot.StreamId)], async (streams, ct) =>
        {
            // The offer is read, not written: its owner never changes, and a withdrawal racing this request is not worth a lock.
            var offer = (await store.LoadAsync(offerStream, ct)).State;
            if (offer is null) return new Scheduled(null, null, null, null, Missing: true, Forbidden: false);
            if (!Offer.IsManagedBy(offer, caller)) return new Scheduled(null, null, null, null, Missing: false, Forbidden: true);
            var now = time.GetUtcNow();
            var changes = new List<(string StreamId, IReadOnlyList<object> Events)>();
            var states = new List<SlotState>();
            for (var i = 0; i < slotIds.Count; i++)
            {
                var stream = Slot.Stream(slotIds[i]);
                var state = streams.New(stream);
                var item = request.Slots[i];
                var decision = Slot.Decide(new ScheduleSlot(slotIds[i], offer.Id, item.Start, item.End, item.Capacity), state, offer, now);
                if (decision.Refusal is { } refusal)
                    return new Scheduled(null, null, null, slotIds.Count == 1 ? refusal : refusal with { Detail = $"slots[{i}]: {refusal.Detail}" }, false, false);
                changes.Add((stream.Id, decision.Events!));
                states.Add(stream.Fold(state, decision.Events!)!);
            }
            var result = await streams.AppendAsync(metadata, changes, ct);
            return new Scheduled(states, result.LastPosition, offer.Status, null, false, false);
        }, cancellationToken);

        if (outcome.Missing) return Problems.NotFound("offer");
        if (outcome.Forbidden) return Problems.Forbidden($"Only the club that published offer {offerId} or the operator may schedule its slots.");
        if (outcome.Refusal is { } refused) return Problems.Refused(refused);
        if (outcome.Position is { } position) http.Response.Headers[Writes.PositionHeader] = position.ToString();
        if (outcome.Slots!.Count == 1) ETags.Set(http.Response, 1);
        return TypedResults.Created(
            outcome.Slots.Count == 1 ? $"/v1/slots/{outcome.Slots[0].Id}" : null,
            new ScheduledSlotsResponse([.. outcome.Slots.Select(slot => SlotResponse.From(slot, outcome.OfferStatus!.Value, cancellation: null, time.GetUtcNow()))]));
    }
}
