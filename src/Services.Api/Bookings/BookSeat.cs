using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Beneficiaries;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Security;
using Services.Api.Slots;
using Services.Api.Subscriptions;

namespace Services.Api.Bookings;

/// <param name="Contact">The beneficiary's contact details, already sealed with its data key (<see cref="ContactVault"/>).</param>
/// <param name="WhenFull">What the company wants when the seats are not free: a place on the waitlist, or no booking at all.</param>
public sealed record BookSeat(string BookingId, string CompanyId, string SubscriptionId, string SlotId, int Quantity, string BeneficiaryRef, SealedContact? Contact = null, WhenFull WhenFull = WhenFull.Waitlist);

/// <summary>What a booking does when the seats it asks for are not free.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<WhenFull>))]
public enum WhenFull
{
    /// <summary>It joins the slot's waitlist, and is confirmed when seats free up in its turn.</summary>
    [JsonStringEnumMemberName("waitlist")] Waitlist,

    /// <summary>It is refused (409 slot_full) and nothing is recorded: for an app that offers another slot at once.</summary>
    [JsonStringEnumMemberName("refuse")] Refuse,
}

/// <param name="Promoted">Events per booking id for waiting bookings promoted first (see <see cref="Booking.Decide(BookSeat, BookingState?, SlotState?, SubscriptionState?, OfferState?, DateTimeOffset, IReadOnlySet{string}?)"/>).</param>
public sealed record BookSeatOutcome(
    IReadOnlyList<object> Booking,
    IReadOnlyList<object> Slot,
    IReadOnlyList<object> Subscription,
    IReadOnlyDictionary<string, IReadOnlyList<object>> Promoted);

public static partial class Booking
{
    /// <param name="offer">The slot's offer.</param>
    /// <param name="passedOver">Waitlisted bookings not to promote (their company over its quota, or their subscription ended before the slot's day): they keep their place.</param>
    public static Decision<BookSeatOutcome> Decide(
        BookSeat command,
        BookingState? state,
        SlotState? slot,
        SubscriptionState? subscription,
        OfferState? offer,
        DateTimeOffset now,
        IReadOnlySet<string>? passedOver = null)
    {
        if (state is not null)
            return Decision.Refuse("booking_exists", $"Booking {command.BookingId} already exists.");
        if (slot is null) return Slot.NotFound(command.SlotId);
        if (slot.Cancelled) return Slot.Cancelled(slot);
        if (slot.HasStarted(now)) return Slot.Started(slot);
        if (subscription is null) return Subscription.NotFound(command.SubscriptionId);
        if (subscription.CompanyId != command.CompanyId)
            return Decision.Refuse("subscription_company_mismatch", $"Subscription {subscription.Id} belongs to company {subscription.CompanyId}, not {command.CompanyId}.");
        // A request naming a slot its subscription does not serve is told so, whatever the state of that slot's offer.
        if (subscription.OfferId != slot.OfferId)
            return Decision.Refuse("subscription_offer_mismatch", $"Subscription {subscription.Id} is to offer {subscription.OfferId}; slot {slot.Id} belongs to offer {slot.OfferId}.");
        if (offer is null) return Offer.NotFound(slot.OfferId);
        if (Offer.Unavailable(offer) is { } unavailable) return unavailable;

        var slotDate = offer.LocalDate(slot.Start);
        if (slotDate < subscription.StartsOn)
            return Decision.Refuse("subscription_not_started", $"Subscription {subscription.Id} starts on {subscription.StartsOn:yyyy-MM-dd}; slot {slot.Id} is on {slotDate:yyyy-MM-dd}.");
        if (subscription.EndedBefore(slotDate))
            return Decision.Refuse("subscription_ended", $"Subscription {subscription.Id} ends on {subscription.EndsOn:yyyy-MM-dd}; slot {slot.Id} is on {slotDate:yyyy-MM-dd}.");
        if (command.Quantity < 1)
            return Decision.Refuse("invalid_quantity", $"A booking is for at least 1 unit; got {command.Quantity}.");
        // Waitlisted, it would hold quota units until the slot starts and then count as unmet demand.
        if (command.Quantity > slot.Capacity)
            return Decision.Refuse("quantity_exceeds_capacity", $"Slot {slot.Id} holds {slot.Capacity} in all: a booking for {command.Quantity} can never fit it.");

        if (Slot.AlreadyBooked(slot, command.CompanyId, command.BeneficiaryRef) is { } alreadyBooked) return alreadyBooked;

        var month = Subscription.MonthOf(slotDate);
        var used = subscription.UnitsUsedIn(month);
        if (used + command.Quantity > subscription.MonthlyQuota)
            return Decision.Refuse("quota_exceeded", $"Subscription {subscription.Id} has used {used} of its {subscription.MonthlyQuota} units for {month}; {command.Quantity} more would exceed the quota.")
                with { Facts = new Dictionary<string, object> { ["month"] = month, ["unitsUsed"] = used, ["monthlyQuota"] = subscription.MonthlyQuota, ["quantity"] = command.Quantity } };

        var requested = new BookingRequested(
            command.BookingId, command.CompanyId, subscription.Id, slot.OfferId, slot.Id, slot.Start,
            command.Quantity, command.BeneficiaryRef, now, command.Contact);
        var counted = new UnitsCounted(command.BookingId, month, command.Quantity);
        // A waiting booking fits the seats left only if it was passed over for its quota when they were
        // freed; back within it now, it goes first, in waitlist order (Waitlist.Promote), and the
        // newcomer is decided on what is left. Then first fit: a newcomer that fits takes the seats
        // rather than leave them empty.
        var promotion = Waitlist.Promote(slot, passedOver);
        var left = promotion.Slot.Aggregate(slot, Slot.Apply);
        if (left.Remaining >= command.Quantity)
            return Decision<BookSeatOutcome>.Accept(new BookSeatOutcome(
                Booking: [requested, new BookingConfirmed()],
                Slot: [.. promotion.Slot, new SeatReserved(command.BookingId, command.CompanyId, command.Quantity, command.BeneficiaryRef)],
                Subscription: [counted],
                Promoted: promotion.Bookings));

        // A refusal records nothing, not even the promotion above: the periodic promotion (WaitlistPromotion) makes it.
        if (command.WhenFull == WhenFull.Refuse)
            return Decision.Refuse("slot_full", $"Slot {slot.Id} has {left.Remaining} of its {slot.Capacity} seats free and the booking asks for {command.Quantity}; whenFull is refuse: nothing was booked.")
                with { Facts = new Dictionary<string, object> { ["remaining"] = left.Remaining, ["quantity"] = command.Quantity } };
        var position = left.Waitlist.Count + 1;
        return Decision<BookSeatOutcome>.Accept(new BookSeatOutcome(
            Booking: [requested, new BookingWaitlisted(position)],
            Slot: [.. promotion.Slot, new WaitlistJoined(command.BookingId, command.CompanyId, command.Quantity, position, command.BeneficiaryRef)],
            Subscription: [counted],
            Promoted: promotion.Bookings));
    }
}

/// <param name="BeneficiaryRef">The company's own opaque reference for who uses the seat (e.g. an HR number); never a name, e-mail or phone number.</param>
/// <param name="WhenFull">When the seats asked for are not free: <c>waitlist</c> (the default) joins the slot's waitlist; <c>refuse</c> books nothing and answers 409 slot_full, with the seats free in <c>remaining</c>.</param>
/// <param name="Contact">Optional: how the club or provider reaches the beneficiary, when the service needs it. Stored encrypted with a key of this beneficiary (company + beneficiaryRef), shown only to the company, the offer's club and its providers (these while the booking is confirmed, until 7 days after the slot starts), erased by DELETE /v1/beneficiaries/{beneficiaryRef}.</param>
/// <param name="SubscriptionId">The company's active subscription (`sub_…`) to the slot's offer: the units count against its monthly quota.</param>
/// <param name="SlotId">The slot (`slt_…`) to book; a full one waitlists the booking.</param>
/// <param name="Quantity">Units (seats, places) to book for this beneficiary.</param>
public sealed partial record BookSeatRequest(
    [property: Id(Ids.Subscription)] string SubscriptionId,
    [property: Id(Ids.Slot)] string SlotId,
    [property: Range(1, Booking.MaxQuantity)] int Quantity,
    [property: StringLength(Booking.MaxBeneficiaryRef, MinimumLength = 1), RegularExpression(BookSeatRequest.OpaqueReferencePattern)] string BeneficiaryRef,
    ContactDetails? Contact = null,
    WhenFull WhenFull = WhenFull.Waitlist)
{
    public Validation Validate()
    {
        var validation = new Validation()
            .Id("subscriptionId", SubscriptionId, Ids.Subscription)
            .Id("slotId", SlotId, Ids.Slot)
            .Range("quantity", Quantity, 1, Booking.MaxQuantity);
        ValidateBeneficiaryRef(validation, BeneficiaryRef);
        Contact?.Validate(validation, "contact");
        return validation;
    }

    public static Validation ValidateBeneficiaryRef(Validation validation, string? beneficiaryRef)
    {
        ArgumentNullException.ThrowIfNull(validation);
        validation.Text("beneficiaryRef", beneficiaryRef, Booking.MaxBeneficiaryRef);
        if (beneficiaryRef is { Length: > 0 and <= Booking.MaxBeneficiaryRef } && !OpaqueReference().IsMatch(beneficiaryRef))
            validation.Add("beneficiaryRef", "An opaque reference of letters, digits and . _ : - only, not dots alone (no names, e-mail addresses or phone numbers).");
        return validation;
    }

    /// <summary>Not dots alone: "." and ".." would name no beneficiary in a URL (DELETE /v1/beneficiaries/{beneficiaryRef}).</summary>
    public const string OpaqueReferencePattern = @"^(?!\.+$)[A-Za-z0-9._:-]+$";

    [GeneratedRegex(OpaqueReferencePattern)]
    private static partial Regex OpaqueReference();
}

public static class BookSeatEndpoint
{
    public static void MapBookSeat(this IEndpointRouteBuilder bookings) =>
        bookings.MapPost("", Handle)
            .WithName("bookSeat")
            .AnswersWithVersion()
            .WithSummary("Book units of a slot")
            .WithDescription("The subscription's company (or the operator). Answers 201 with status confirmed when the seats asked for are free (first fit: a waiting booking too large for the seats left does not hold them), otherwise waitlisted with its waitlistPosition: a full slot is not an error, unless the request says whenFull: refuse, which books nothing and answers 409 slot_full with the seats free (remaining); like any answer, a refusal is replayed to a retry with the same Idempotency-Key, so try again later with a new key. Confirmed and waitlisted units both count against the subscription's quota for the slot's month: beyond it, 409 quota_exceeded, whose problem also carries month (YYYY-MM), unitsUsed, monthlyQuota and quantity (asked for). One beneficiary (a company's beneficiaryRef) holds at most one live booking (confirmed or waitlisted) of a slot: a second is refused with 409 beneficiary_already_booked, whose problem names the live one in existingBookingId (a cancelled or expired booking does not count; another company's beneficiary of the same ref is someone else). Optional contact details (name, email, phone) are personal data: encrypted with the beneficiary's own key, shown only to the company and the offer's club and providers, never in the change feed or webhooks, corrected or removed by the company until the slot starts (PUT or DELETE /v1/bookings/{bookingId}/contact), and erased for good with DELETE /v1/beneficiaries/{beneficiaryRef}. When the beneficiary's key cannot be opened with the platform's configured master keys (an operator changed the master key without keeping the old one), a booking with contact details answers 503 secret_key_unavailable and changes nothing; one without contact details is not affected.")
            .AllowKinds(OrganizationKind.Company)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("slot_cancelled", "slot_started", "offer_withdrawn", "offer_suspended", "subscription_offer_mismatch", "subscription_not_started", "subscription_ended", "quantity_exceeds_capacity", "beneficiary_already_booked", "quota_exceeded", "slot_full")
            .AnswersProblems(StatusCodes.Status503ServiceUnavailable, SecretKeyUnavailableException.Code);

    private static async Task<Results<Created<BookingResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        BookSeatRequest request, Caller caller, CommandRunner runner, ContactVault vault, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = request.Validate();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var bookingId = Ids.New(Ids.Booking);
        var booking = Booking.Stream(bookingId);
        var slot = Slot.Stream(request.SlotId);
        var subscription = Subscription.Stream(request.SubscriptionId);
        var change = await runner.RunAsync([booking.Id, slot.Id, subscription.Id], async (streams, ct) =>
        {
            var subscriptionState = await streams.LoadAsync(subscription, ct);
            if (subscriptionState is null || !(caller.IsOperator || subscriptionState.CompanyId == caller.OrganizationId))
                return Change<BookingResponse>.NotFound("subscription");
            var slotState = await streams.LoadAsync(slot, ct);
            if (slotState is null) return Change<BookingResponse>.NotFound("slot");
            var offer = await streams.LoadAsync(Offer.Stream(slotState.OfferId), ct);
            if (offer is null) return Change<BookingResponse>.NotFound("offer");
            var state = streams.New(booking);
            SealedContact? contact = null;
            if (request.Contact is { } details)
            {
                // Checked at the append: an erasure committed after the seal destroyed its key, so the
                // booking is decided again and sealed with the beneficiary's new one.
                await streams.LoadAsync(Beneficiary.Stream(subscriptionState.CompanyId, request.BeneficiaryRef), ct);
                contact = await vault.SealAsync(subscriptionState.CompanyId, request.BeneficiaryRef, details, ct);
            }
            var command = new BookSeat(bookingId, subscriptionState.CompanyId, subscriptionState.Id, slotState.Id, request.Quantity, request.BeneficiaryRef, contact, request.WhenFull);
            var decision = await PromotionQuota.DecideAsync(streams,
                passedOver => Booking.Decide(command, state, slotState, subscriptionState, offer, time.GetUtcNow(), passedOver),
                outcome => outcome.Promoted.Keys,
                outcome => new Dictionary<string, SubscriptionState> { [subscriptionState.Id] = subscription.Fold(subscriptionState, outcome.Subscription)! },
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
            var booked = booking.Fold(state, outcome.Booking)!;
            var shown = BookingContacts.Answered(http, contact,
                request.Contact is { } given && Booking.MayReadContact(booked, offer, caller, time.GetUtcNow()) ? BookingContact.Available(given) : BookingContacts.Unread(booked));
            // Without the company's name: reading its stream would be one more round trip on the hot path of booking.
            var response = BookingResponse.From(booked, companyName: null, slot.Fold(slotState, outcome.Slot), shown, slotCancellation: null);
            return Change<BookingResponse>.Done(response, result.VersionOf(booking.Id), result.LastPosition);
        }, cancellationToken);
        return change.ToHttp(http.Response, response => TypedResults.Created($"/v1/bookings/{response.Id}", response));
    }
}
