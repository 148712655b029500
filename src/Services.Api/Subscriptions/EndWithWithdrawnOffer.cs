using Services.Api.Common;
using Services.Api.Offers;

namespace Services.Api.Subscriptions;

/// <summary>A withdrawn offer serves no one after the month it was withdrawn in, so its subscriptions charge no fee after it.</summary>
public sealed record EndWithWithdrawnOffer(string SubscriptionId);

public static partial class Subscription
{
    /// <param name="withdrawalRecordedAt">When the offer's withdrawal was recorded: its instant for withdrawals recorded before they carried it.</param>
    public static Decision<CancelSubscriptionOutcome> Decide(EndWithWithdrawnOffer command, SubscriptionState? state, OfferState? offer, DateTimeOffset withdrawalRecordedAt)
    {
        if (state is null) return NotFound(command.SubscriptionId);
        if (offer is null) return Offer.NotFound(state.OfferId);
        if (offer.Status != OfferStatus.Withdrawn) return Decision.Refuse("offer_not_withdrawn", $"Offer {offer.Id} is not withdrawn.");

        // Later bookings do not hold it open, as they do a cancellation: confirmed ones stand and are charged by the unit, waiting ones are no longer promoted (Waitlist.PassesOver).
        return EndBy(state, EndWhenStoppedOn(state, offer.LocalDate(offer.WithdrawnAt ?? withdrawalRecordedAt)), SubscriptionEndReason.OfferWithdrawn);
    }
}
