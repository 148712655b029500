using Npgsql;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.EventStore;

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

        // Later bookings do not hold it open, as they do a cancellation: those stand and are charged by the unit.
        var endsOn = EndWhenStoppedOn(state, offer.LocalDate(offer.WithdrawnAt ?? withdrawalRecordedAt));
        if (state.EndsOn <= endsOn) return Decision<CancelSubscriptionOutcome>.Accept(new CancelSubscriptionOutcome([], []));
        return Decision<CancelSubscriptionOutcome>.Accept(new CancelSubscriptionOutcome(
            Subscription: [new SubscriptionCancelled(endsOn)],
            Company: [new SubscriptionClosed(state.Id, state.OfferId, endsOn)]));
    }
}

/// <summary>
/// The reaction "an offer is withdrawn → its subscriptions end with that month". Every
/// <c>Reactions:WithdrawalIntervalSeconds</c> (default 15) it finds, in the catalog and subscription-list read
/// models, the active subscriptions of withdrawn offers and ends each on its streams (the subscription and its
/// company, in one transaction). A subscription the lists have not caught up with yet is found at a later run.
/// </summary>
public sealed class WithdrawnOfferSubscriptions(
    NpgsqlDataSource db,
    EventStore.EventStore store,
    CommandRunner runner,
    TimeProvider time,
    IConfiguration configuration,
    ILogger<WithdrawnOfferSubscriptions> logger) : PeriodicReaction("offer-withdrawal", "WithdrawalIntervalSeconds", configuration, logger)
{
    protected override Task<IReadOnlyList<string>> CandidatesAsync(string after, CancellationToken cancellationToken) =>
        IdsAsync(ReadModelSql.Command(db, """
            select s.subscription_id
            from rm_catalog_offers o join rm_subscriptions s on s.offer_id = o.offer_id and s.status = $1
            where o.status = $2 and s.subscription_id > $3
            order by s.subscription_id
            limit $4
            """, ReadModelValues.Wire(SubscriptionStatus.Active), ReadModelValues.Wire(OfferStatus.Withdrawn), after, CandidatesPerQuery), cancellationToken);

    /// <summary>When the offer's withdrawal was recorded, for a withdrawal recorded before it carried its instant.</summary>
    private async Task<DateTimeOffset> WithdrawalRecordedAtAsync(string offerId, CancellationToken cancellationToken) =>
        (await store.ReadStreamAsync(Offer.StreamId(offerId), cancellationToken: cancellationToken)).First(recorded => recorded.Data is OfferWithdrawn).Timestamp;

    /// <summary>Ends the subscription with its withdrawn offer's month; answers 1 when it ended it.</summary>
    protected override async Task<int> ActOnAsync(string subscriptionId, CancellationToken cancellationToken)
    {
        var subscription = Subscription.Stream(subscriptionId);
        // The company of a subscription never changes: read it first to know which streams to lock.
        var first = (await store.LoadAsync(subscription, cancellationToken)).State;
        if (first is null) return 0;
        var company = Organization.Stream(first.CompanyId);
        return await runner.RunAsync([subscription.Id, company.Id], async (streams, ct) =>
        {
            var state = await streams.LoadAsync(subscription, ct);
            var offer = state is null ? null : await streams.LoadAsync(Offer.Stream(state.OfferId), ct);
            await streams.LoadAsync(company, ct);
            var recordedAt = offer is { WithdrawnAt: null, Status: OfferStatus.Withdrawn } ? await WithdrawalRecordedAtAsync(offer.Id, ct) : time.GetUtcNow();
            var decision = Subscription.Decide(new EndWithWithdrawnOffer(subscriptionId), state, offer, recordedAt);
            if (decision.Events is not { Subscription.Count: > 0 } outcome) return 0;
            await streams.AppendAsync(Metadata, [(subscription.Id, outcome.Subscription), (company.Id, outcome.Company)], ct);
            return 1;
        }, cancellationToken);
    }
}
