using Services.Api.Bookings;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Security;

namespace Services.Api.Slots;

[JsonConverter(typeof(JsonStringEnumConverter<SlotStatus>))]
public enum SlotStatus
{
    [JsonStringEnumMemberName("scheduled")] Scheduled,
    [JsonStringEnumMemberName("cancelled")] Cancelled,
}

/// <summary>
/// A slot as the API shows it: public availability only. Which companies booked it is theirs and
/// their club's to know, so neither booking nor company ids appear here.
/// </summary>
/// <param name="Start">When the slot begins (UTC); its club may move it within the same local day (rescheduleSlot).</param>
/// <param name="End">When the slot ends (UTC).</param>
/// <param name="Capacity">Units (seats, places) the slot offers.</param>
/// <param name="Reserved">Units held by confirmed bookings.</param>
/// <param name="Remaining">Units still free to book: capacity − reserved, and 0 while the slot takes no bookings: once it has started or is cancelled, or while its offer is suspended or withdrawn (see offerStatus).</param>
/// <param name="WaitlistLength">Bookings waiting for units to free up.</param>
/// <param name="Status">scheduled, or cancelled by its club or the operator (its bookings are then cancelled).</param>
/// <param name="OfferStatus">The status of the slot's offer: active, suspended (no bookings until its club resumes it) or withdrawn (no bookings ever again). Bookings made stand either way. Absent only from an answer replayed under an Idempotency-Key kept before this field was added.</param>
/// <param name="Cancellation">Why and when its club or the operator cancelled the slot; null while it is scheduled. Absent only from an answer replayed under an Idempotency-Key kept before this field was added.</param>
/// <param name="Id">The slot's id (`slt_…`).</param>
/// <param name="OfferId">The offer (`off_…`) it is a slot of.</param>
public sealed record SlotResponse(
    string Id,
    string OfferId,
    DateTimeOffset Start,
    DateTimeOffset End,
    int Capacity,
    int Reserved,
    int Remaining,
    int WaitlistLength,
    SlotStatus Status,
    [property: AddedLater] OfferStatus OfferStatus,
    [property: AddedLater] SlotCancellation? Cancellation)
{
    /// <param name="cancellation">The slot's cancellation as shown (<see cref="Slot.CancellationAsync"/>).</param>
    /// <param name="now">When it is shown: a slot that has started takes no more bookings.</param>
    public static SlotResponse From(SlotState state, OfferStatus offerStatus, SlotCancellation? cancellation, DateTimeOffset now) => Of(
        state.Id, state.OfferId, state.Start, state.End, state.Capacity, state.Reserved, state.Waitlist.Count,
        state.Cancelled ? SlotStatus.Cancelled : SlotStatus.Scheduled, offerStatus, cancellation, now);

    /// <summary>
    /// A slot as shown, from the slot's stream or a read model alike. The status is the slot's own: a read model's row
    /// cancelled by a node on code older than its cancellation column has the status without the cancellation.
    /// </summary>
    public static SlotResponse Of(string id, string offerId, DateTimeOffset start, DateTimeOffset end, int capacity, int reserved, int waitlistLength,
        SlotStatus status, OfferStatus offerStatus, SlotCancellation? cancellation, DateTimeOffset now) =>
        new(id, offerId, start, end, capacity, reserved,
            status == SlotStatus.Cancelled || offerStatus != OfferStatus.Active || now >= start ? 0 : capacity - reserved,
            waitlistLength, status, offerStatus, cancellation);
}

/// <summary>A slot's cancellation, as shown with the slot and with each booking it cancelled.</summary>
/// <param name="Reason">The club's words for why (e.g. "Driver ill"), as given to cancelSlot.</param>
/// <param name="CancelledAt">When the slot was cancelled (UTC).</param>
public sealed record SlotCancellation(string Reason, DateTimeOffset CancelledAt);

public static partial class Slot
{
    public static StreamRef<SlotState> Stream(string slotId) => new(StreamId(slotId), StreamType, Evolve);

    /// <summary>
    /// The slot's cancellation as shown; null while it is scheduled. A cancellation recorded before its event
    /// carried its instant was cancelled when it was recorded: the stream is read for that instant.
    /// </summary>
    public static async Task<SlotCancellation?> CancellationAsync(EventStore.EventStore store, SlotState slot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(slot);
        return slot.Cancellation switch
        {
            null => null,
            { CancelledAt: { } at } cancelled => new SlotCancellation(cancelled.Reason, at),
            { } cancelled => new SlotCancellation(cancelled.Reason,
                (await store.ReadStreamAsync(StreamId(slot.Id), cancellationToken: cancellationToken)).Last(recorded => recorded.Data is SlotCancelled).Timestamp),
        };
    }

    /// <summary>A slot is managed by whoever manages its offer.</summary>
    public static bool IsManagedBy(OfferState offer, Caller caller) => Offer.IsManagedBy(offer, caller);

    /// <summary>Upper bound of a slot's capacity, in units.</summary>
    public const int MaxCapacity = 10_000;
    public const int MaxReason = 500;

    /// <summary>
    /// How far ahead slots are scheduled, and subscriptions start: a planning horizon, well inside the periods
    /// statements and indicators cover, so that every unit booked is charged in a month some statement shows.
    /// </summary>
    public const int MaxYearsAhead = 3;

    /// <summary>A slot is an appointment, not a season: it lasts at most a day.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);
}

internal static class SlotValidation
{
    /// <summary>A slot's start and end, as scheduled or moved: named <paramref name="prefix"/>start and <paramref name="prefix"/>end.</summary>
    public static Validation SlotTimes(this Validation validation, string prefix, DateTimeOffset start, DateTimeOffset end, DateTimeOffset now)
    {
        var horizon = now.AddYears(Slot.MaxYearsAhead);
        if (start > horizon) validation.Add($"{prefix}start", $"A slot starts at most {Slot.MaxYearsAhead} years ahead, by {WireName.Of(horizon)}.");
        if (end <= start) validation.Add($"{prefix}end", "A slot ends after it starts.");
        else if (end - start > Slot.MaxDuration) validation.Add($"{prefix}end", $"A slot lasts at most {Slot.MaxDuration.TotalHours:0} hours.");
        return validation;
    }
}

public static class SlotEndpoints
{
    public static IEndpointRouteBuilder MapSlots(this IEndpointRouteBuilder v1)
    {
        var offerSlots = v1.MapGroup("/offers/{offerId}/slots").WithTags("Slots");
        offerSlots.MapScheduleSlots();
        var slots = v1.MapGroup("/slots").WithTags("Slots");
        slots.MapGetSlot();
        slots.MapChangeSlotCapacity();
        slots.MapRescheduleSlot();
        slots.MapCancelSlot();
        slots.MapRecordSlotAttendance();
        return v1;
    }
}

/// <summary>
/// The load-check-decide-append path of the commands on one slot: 404 when the slot is unknown,
/// 403 to an organization that does not manage its offer, 412 on a stale If-Match; the decision
/// may change other streams (bookings, subscriptions) it loaded, all in one transaction.
/// </summary>
internal static class SlotChanges
{
    /// <param name="related">Stream ids, beyond the slot's, the command is expected to change (to queue behind other commands on them).</param>
    /// <param name="decide">Loads what else it needs into the given streams and answers the events per stream id, the slot's included; given the slot's offer as read (not locked).</param>
    public static async Task<Results<Ok<SlotResponse>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        CommandRunner runner,
        EventStore.EventStore store,
        TimeProvider time,
        string slotId,
        Caller caller,
        IfMatch ifMatch,
        Func<SlotState, IEnumerable<string>> related,
        Func<LoadedStreams, SlotState, OfferState?, CancellationToken, Task<Decision<IReadOnlyList<(string StreamId, IReadOnlyList<object> Events)>>>> decide,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var stream = Slot.Stream(slotId);
        var before = await store.LoadAsync(stream, cancellationToken);
        if (before.State is null) return Problems.NotFound("slot");
        var metadata = Writes.Metadata(http, caller);
        var forbidden = false;
        var offerStatus = OfferStatus.Active;
        var change = await runner.RunAsync([stream.Id, .. related(before.State)], async (streams, ct) =>
        {
            var slot = await streams.LoadAsync(stream, ct);
            if (slot is null) return Change<SlotState>.NotFound("slot");
            var offer = (await store.LoadAsync(Offer.Stream(slot.OfferId), ct)).State;
            forbidden = offer is null ? !caller.IsOperator : !Slot.IsManagedBy(offer, caller);
            offerStatus = offer?.Status ?? OfferStatus.Active;
            if (forbidden) return Change<SlotState>.NotFound("slot");
            var version = streams.VersionOf(stream.Id);
            if (!ifMatch.Allows(version)) return Change<SlotState>.Stale(version);
            var decision = await decide(streams, slot, offer, ct);
            if (decision.Refusal is { } refusal) return Change<SlotState>.Refused(refusal);
            var slotEvents = decision.Events!.Where(c => c.StreamId == stream.Id).SelectMany(c => c.Events).ToList();
            if (decision.Events!.All(c => c.Events.Count == 0)) return Change<SlotState>.Done(slot, version, null);
            var result = await streams.AppendAsync(metadata, decision.Events!, ct);
            return Change<SlotState>.Done(
                stream.Fold(slot, slotEvents)!,
                result.StreamVersions.TryGetValue(stream.Id, out var newVersion) ? newVersion : version,
                result.LastPosition);
        }, cancellationToken);
        if (forbidden) return Problems.Forbidden($"Only the club that published the slot's offer or the operator may change slot {slotId}.");
        change = await change.PositionedAsync(store, stream.Id, cancellationToken);
        var cancellation = change.State is { } changed ? await Slot.CancellationAsync(store, changed, cancellationToken) : null;
        return change.ToHttp(http.Response, state => TypedResults.Ok(SlotResponse.From(state, offerStatus, cancellation, time.GetUtcNow())));
    }
}
