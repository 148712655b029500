using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Catalog;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.EventStore;

namespace Services.Api.Subscriptions;

/// <summary>
/// The reaction "an offer is withdrawn, or a company removed from its club → their subscriptions end with that
/// month". Every <c>Reactions:StoppedSubscriptionsIntervalSeconds</c> (default 15) it finds, in the catalog,
/// subscription-list and insights read models, the active subscriptions of withdrawn offers and of companies no
/// longer members, and ends each on its streams (the subscription and its company, in one transaction). The month
/// is the withdrawal's or the removal's, however late the run; a subscription the read models have not caught up
/// with yet is found at a later run, and one whose company was admitted again is left running.
/// </summary>
public sealed class StoppedSubscriptions(
    NpgsqlDataSource db,
    EventStore.EventStore store,
    CommandRunner runner,
    IOptions<ReactionOptions> options,
    ILogger<StoppedSubscriptions> logger) : PeriodicReaction("subscription-stop", o => o.StoppedSubscriptionsIntervalSeconds, options, logger)
{
    protected override Task<IReadOnlyList<string>> CandidatesAsync(string after, CancellationToken cancellationToken) =>
        IdsAsync(ReadModelSql.Command(db, $"""
            select s.subscription_id from rm_subscriptions s
            where s.status = $1 and s.subscription_id > $3
              and (exists (select 1 from rm_catalog_offers o where o.offer_id = s.offer_id and o.status = $2)
                   or exists (select 1 from {InsightsProjection.Prefix}_memberships m
                              where m.club_id = s.club_id and m.company_id = s.company_id and m.removed_at is not null)
                      and not exists (select 1 from {InsightsProjection.Prefix}_memberships m
                                      where m.club_id = s.club_id and m.company_id = s.company_id and m.removed_at is null))
            order by s.subscription_id
            limit $4
            """, ReadModelValues.Wire(SubscriptionStatus.Active), ReadModelValues.Wire(OfferStatus.Withdrawn), after, CandidatesPerQuery), cancellationToken);

    /// <summary>Ends the subscription with its withdrawn offer's month, or else its company's removal's; answers 1 when it ended it.</summary>
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
            var club = state is null ? null : await streams.LoadAsync(Organization.Stream(state.ClubId), ct);
            var removal = Subscription.Decide(new EndWithRemovedMembership(subscriptionId), state, offer, club);
            var withdrawal = offer is { Status: OfferStatus.Withdrawn }
                ? Subscription.Decide(new EndWithWithdrawnOffer(subscriptionId), state, offer, offer.WithdrawnAt ?? await WithdrawalRecordedAtAsync(offer.Id, ct))
                : null;
            // Both stopped it: the earlier end.
            var outcome = new[] { removal.Events, withdrawal?.Events }
                .Where(ending => ending is { Subscription.Count: > 0 })
                .MinBy(ending => ((SubscriptionCancelled)ending!.Subscription[0]).EndsOn);
            if (outcome is null) return 0;
            await streams.AppendAsync(Metadata, [(subscription.Id, outcome.Subscription), (company.Id, outcome.Company)], ct);
            return 1;
        }, cancellationToken);
    }

    /// <summary>When the offer's withdrawal was recorded, for a withdrawal recorded before it carried its instant.</summary>
    private async Task<DateTimeOffset> WithdrawalRecordedAtAsync(string offerId, CancellationToken cancellationToken) =>
        (await store.ReadStreamAsync(Offer.StreamId(offerId), cancellationToken: cancellationToken)).First(recorded => recorded.Data is OfferWithdrawn).Timestamp;
}
