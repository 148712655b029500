using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Beneficiaries;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Security;
using Services.Api.Slots;
using Services.Api.Subscriptions;

namespace Services.Api.Bookings;

/// <param name="Contact">The new details, already sealed with the beneficiary's data key (<see cref="ContactVault"/>); null removes them.</param>
public sealed record ChangeBookingContact(string BookingId, SealedContact? Contact);

public static partial class Booking
{
    /// <summary>
    /// A live booking's details are put right until its slot starts, so that the driver or host can call: cancelling and
    /// booking again would lose the seat. An ended booking will not be delivered, and once the slot started the details served.
    /// Removing details a booking does not have changes nothing.
    /// </summary>
    public static Decision<IReadOnlyList<object>> Decide(ChangeBookingContact command, BookingState? state, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (state is null) return NotFound(command.BookingId);
        if (state.Status is not (BookingStatus.Requested or BookingStatus.Confirmed or BookingStatus.Waitlisted))
            return Decision.Refuse("booking_ended", $"Booking {state.Id} is {WireName.Of(state.Status)}; contact details change only while a booking is live (requested, confirmed or waitlisted).");
        if (now >= state.SlotStart) return Slot.Started(state.SlotId, state.SlotStart);
        if (command.Contact is null && state.Contact is null) return Decision.Accept();
        return Decision.Accept(new BookingContactChanged(state.BeneficiaryRef, command.Contact));
    }
}

public static class ChangeBookingContactEndpoint
{
    private const string Rules =
        "The booking company only (the offer's club and providers, who read the booking, and the operator get 403; anyone else 404), " +
        "while the booking is live, confirmed or waitlisted (else 409 booking_ended) and before its slot starts (else 409 slot_started): " +
        "the seat and the waitlist place stay as they are. Integrators get a booking.contact_changed event (change feed and webhooks, " +
        "the booking's audience), whose contact reads {\"status\": \"withheld\"}, or null once removed. Accepts If-Match. Answers the booking as getBooking shows it to its company.";

    public static void MapChangeBookingContact(this IEndpointRouteBuilder bookings)
    {
        bookings.MapPut("/{bookingId}/contact", Put)
            .WithName("changeBookingContact")
            .WithSummary("Correct a booking's contact details")
            .WithDescription("Replaces the beneficiary's contact details on this booking (a wrong phone number) with those sent: name, email, phone, at least one, checked as at booking. " +
                "They are sealed with the beneficiary's data key, a new one after an erasure (DELETE /v1/beneficiaries/{beneficiaryRef}), as a new booking's are. " + Rules +
                " When the beneficiary's key cannot be opened with the platform's configured master keys, 503 secret_key_unavailable, and nothing changes.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("booking_ended", "slot_started")
            .AnswersProblems(StatusCodes.Status503ServiceUnavailable, SecretKeyUnavailableException.Code)
            .AcceptsIfMatch();
        bookings.MapDelete("/{bookingId}/contact", Remove)
            .WithName("removeBookingContact")
            .WithSummary("Remove a booking's contact details")
            .WithDescription("The booking then shows contact: null; a booking without details is answered as it is, with no event. " +
                "The beneficiary's data key stays for its other bookings: to destroy every copy of its details, erase the beneficiary. " + Rules)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("booking_ended", "slot_started")
            .AcceptsIfMatch();
    }

    private static async Task<Results<Ok<BookingResponse>, ValidationProblem, ProblemHttpResult>> Put(
        string bookingId, ContactDetails request, Caller caller, CommandRunner runner, EventStore.EventStore store, ContactVault vault, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = request.Validate(new Validation());
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        return await ChangeAsync(bookingId, request, caller, runner, store, vault, time, http, cancellationToken);
    }

    private static Task<Results<Ok<BookingResponse>, ValidationProblem, ProblemHttpResult>> Remove(
        string bookingId, Caller caller, CommandRunner runner, EventStore.EventStore store, ContactVault vault, TimeProvider time, HttpContext http, CancellationToken cancellationToken) =>
        ChangeAsync(bookingId, details: null, caller, runner, store, vault, time, http, cancellationToken);

    private static async Task<Results<Ok<BookingResponse>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        string bookingId, ContactDetails? details, Caller caller, CommandRunner runner, EventStore.EventStore store, ContactVault vault, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var booking = Booking.Stream(bookingId);
        // A booking's company and offer never change: who may change its details is known before locking it.
        var first = (await store.LoadAsync(booking, cancellationToken)).State;
        if (first is null) return Problems.NotFound("booking");
        if (caller.OrganizationId != first.CompanyId)
        {
            var offer = caller.IsOperator ? null : (await store.LoadAsync(Offer.Stream(first.OfferId), cancellationToken)).State;
            return Booking.IsVisibleTo(first, offer, caller)
                ? Problems.Forbidden("Only the booking's company changes the contact details of its beneficiary; the offer's club and providers read them.")
                : Problems.NotFound("booking");
        }
        SealedContact? contact = null;
        var change = await runner.RunAsync([booking.Id], async (streams, ct) =>
        {
            var state = await streams.LoadAsync(booking, ct);
            if (state is null) return Change<BookingState>.NotFound("booking");
            if (!ifMatch.Allows(streams.VersionOf(booking.Id))) return Change<BookingState>.Stale(streams.VersionOf(booking.Id));
            contact = null;
            if (details is not null)
            {
                // Checked at the append: an erasure committed after the seal destroyed its key, so the change is
                // decided again and sealed with the beneficiary's new one.
                await streams.LoadAsync(Beneficiary.Stream(state.CompanyId, state.BeneficiaryRef), ct);
                contact = await vault.SealAsync(state.CompanyId, state.BeneficiaryRef, details, ct);
            }
            var decision = Booking.Decide(new ChangeBookingContact(bookingId, contact), state, time.GetUtcNow());
            if (decision.Refusal is { } refusal) return Refusals.ToChange<BookingState>(refusal);
            var events = decision.Events!;
            if (events.Count == 0) return Change<BookingState>.Done(state, streams.VersionOf(booking.Id), null);
            var result = await streams.AppendAsync(Writes.Metadata(http, caller), [(booking.Id, events)], ct);
            return Change<BookingState>.Done(booking.Fold(state, events)!, result.VersionOf(booking.Id), result.LastPosition);
        }, cancellationToken);
        change = await change.PositionedAsync(store, booking.Id, cancellationToken);
        var companyName = (await Booking.CompanyAsync(store, first, cancellationToken))?.Name;
        var slot = change.State is { } changed ? await Booking.WaitlistSlotAsync(store, changed, cancellationToken) : null;
        // Only an answer that shows the details has them erased from its copy kept for retries.
        var shown = change.State is null ? null : BookingContacts.Answered(http, contact, details is null ? null : BookingContact.Available(details));
        return change.ToHttp(http.Response, state => TypedResults.Ok(BookingResponse.From(state, companyName, slot, shown, slotCancellation: null)));
    }
}
