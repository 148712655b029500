using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Indicators;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Demand;
using Services.Api.Tests.Http;
using Services.Api.Usage;
using static Services.Api.Tests.Demand.InsightStore;
using static Services.Api.Tests.Usage.UsageHttpTests;

namespace Services.Api.Tests.Usage;

/// <summary>
/// A month's subscription fee is waived when the offer was suspended or withdrawn at every instant of the company's
/// subscribed days of that month (offer's time zone, here Paris, UTC+2 in summer); open at any moment of one, it is charged whole.
/// </summary>
public sealed class ClosedOfferFeeHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly DateOnly June = new(2026, 6, 1);

    /// <summary>An instant given in UTC.</summary>
    private static DateTimeOffset Utc(int month, int day, int hour, int minute = 0) => new(2026, month, day, hour, minute, 0, TimeSpan.Zero);

    private async Task<(InsightStore Store, Actor Company, string Offer)> SubscribedAsync(DateOnly startsOn)
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        var offer = await store.OfferAsync(await store.OrganizationAsync(OrganizationKind.Club, territory), [territory], monthlyFee: 5_000);
        await store.SubscribeAsync(company.Id, offer, startsOn);
        return (store, company, offer);
    }

    private static readonly (Money, SubscriptionFeeWaiver?) Charged = (Money.Euros(5_000), null);

    private static readonly (Money, SubscriptionFeeWaiver?) Waived = (Money.Euros(0), SubscriptionFeeWaiver.OfferClosed);

    /// <summary>The fee and why it was waived, on the company's only line of <paramref name="month"/>.</summary>
    private static async Task<(Money, SubscriptionFeeWaiver?)> FeeAsync(Actor company, string month, InsightStore store)
    {
        var statement = await StatementAsync(company.Client, company.Id, month, store);
        ShouldAddUp(statement);
        var line = statement.Lines.ShouldHaveSingleItem();
        return (line.SubscriptionFee, line.SubscriptionFeeWaivedReason);
    }

    [Fact]
    public async Task A_month_the_offer_was_suspended_throughout_charges_no_fee_and_says_why_to_the_company_its_club_and_its_partner()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var (club, company, partner) = (await api.RegisterAsync(OrganizationKind.Club, territory), await api.RegisterAsync(OrganizationKind.Company, territory),
            await api.RegisterAsync(OrganizationKind.Partner, territory));
        var offer = await store.OfferAsync(club.Id, [territory], monthlyFee: 5_000, unitPrice: 1_250, coFundingBasisPoints: 2_500, coFundingPartnerId: partner.Id);
        await store.SubscribeAsync(company.Id, offer, June);
        var slot = await store.SlotAsync(offer, At(new DateOnly(2026, 8, 4)));
        await store.BookAsync(company.Id, offer, slot, 2, "e1", Attended);
        // Closed for August: suspended at 22:00 on 31 July in Paris, resumed at 09:00 on 1 September.
        await store.SuspendAsync(offer, Utc(7, 31, 20));
        await store.ResumeAsync(offer, Utc(9, 1, 7));

        var august = await StatementAsync(company.Client, company.Id, "2026-08", store);

        // Units attended are charged as ever: 2 × 1250 = 2500; 25 % co-funded = 625.
        august.Lines.ShouldHaveSingleItem().ShouldBe(new UsageLineResponse(offer, club.Id, "Shared service", Category.Concierge, Money.Euros(0), 2, 0,
            Money.Euros(2_500), Money.Euros(2_500), 2_500, Money.Euros(625), Money.Euros(1_875), SubscriptionFeeWaiver.OfferClosed));
        ShouldAddUp(august);
        var billed = await OkAsync<ClubUsageResponse>(await club.Client.GetAsync($"/v1/clubs/{club.Id}/usage?month=2026-08&minPosition={store.Last}"));
        billed.Statements.ShouldHaveSingleItem().Lines.ShouldBe(august.Lines);
        var coFunded = await OkAsync<PartnerUsageResponse>(await partner.Client.GetAsync($"/v1/partners/{partner.Id}/usage?month=2026-08&minPosition={store.Last}"));
        coFunded.Statements.ShouldHaveSingleItem().Lines.ShouldBe(august.Lines);
        var indicators = await OkAsync<IndicatorsResponse>(await api.Operator.GetAsync($"/v1/indicators?territory={territory}&month=2026-08&minPosition={store.Last}"));
        indicators.CoFundingSpent.ShouldBe(Money.Euros(625));
        // Open on a subscribed day of July (all but its last two hours) and of September (from 09:00 on the 1st).
        (await FeeAsync(company, "2026-07", store)).ShouldBe(Charged, "2026-07");
        (await FeeAsync(company, "2026-09", store)).ShouldBe(Charged, "2026-09");
    }

    [Fact]
    public async Task Open_for_part_of_the_month_the_whole_fee_is_charged()
    {
        var (store, company, offer) = await SubscribedAsync(June);
        await store.SuspendAsync(offer, Utc(7, 20, 9));
        await store.ResumeAsync(offer, Utc(8, 15, 9));

        (await FeeAsync(company, "2026-07", store)).ShouldBe(Charged, "2026-07");
        (await FeeAsync(company, "2026-08", store)).ShouldBe(Charged, "2026-08");
    }

    [Fact]
    public async Task Days_are_the_offers_local_days()
    {
        var (store, company, offer) = await SubscribedAsync(June);
        // 00:30 on 1 August in Paris, still 31 July in UTC: open for half an hour of August.
        await store.SuspendAsync(offer, Utc(7, 31, 22, 30));

        (await FeeAsync(company, "2026-08", store)).ShouldBe(Charged, "2026-08");
        (await FeeAsync(company, "2026-09", store)).ShouldBe(Waived, "2026-09");
    }

    [Fact]
    public async Task Suspended_before_the_subscription_started_and_resumed_after_the_month_charges_no_fee()
    {
        // Suspended on 10 May, a subscription from 15 June, resumed on 3 August.
        var (store, company, offer) = await SubscribedAsync(new DateOnly(2026, 6, 15));
        await store.SuspendAsync(offer, Utc(5, 10, 9));
        await store.ResumeAsync(offer, Utc(8, 3, 9));

        (await FeeAsync(company, "2026-06", store)).ShouldBe(Waived, "2026-06");
        (await FeeAsync(company, "2026-07", store)).ShouldBe(Waived, "2026-07");
        (await FeeAsync(company, "2026-08", store)).ShouldBe(Charged, "2026-08");
    }

    [Fact]
    public async Task Withdrawn_mid_month_after_being_open_the_fee_is_charged_and_waived_the_months_after_while_the_subscription_runs()
    {
        var (store, company, offer) = await SubscribedAsync(June);
        await store.WithdrawAsync(offer, Utc(8, 14, 10));

        (await FeeAsync(company, "2026-08", store)).ShouldBe(Charged, "2026-08");
        (await FeeAsync(company, "2026-09", store)).ShouldBe(Waived, "2026-09");
        (await FeeAsync(company, "2026-10", store)).ShouldBe(Waived, "2026-10");
    }

    [Fact]
    public async Task Statuses_kept_before_migration_32_are_the_ones_a_rebuild_would_give()
    {
        var (store, _, offer) = await SubscribedAsync(June);
        var (_, _, older) = await SubscribedAsync(June);
        await store.SuspendAsync(offer, Utc(7, 31, 20));
        await store.ResumeAsync(offer, Utc(9, 1, 7));
        await store.WithdrawAsync(offer, Utc(10, 1, 7));
        // Recorded before the events carried their instant: the instant they were recorded at.
        await store.AppendAsync(Offer.StreamId(older), Offer.StreamType, new OfferSuspended(null), new OfferResumed(), new OfferWithdrawn());
        await store.CaughtUpAsync(InsightsProjection.ShardName);
        var projected = await api.SnapshotAsync("rm_insights_offer_statuses");
        (await api.CountAsync("select count(*) from rm_insights_offer_statuses where offer_id in ($1, $2)", offer, older)).ShouldBe(6);

        // As on a database that had not had it yet.
        await api.ExecuteAsync("drop table rm_insights_offer_statuses");
        await api.ExecuteAsync("delete from schema_migrations where component = 'api' and version = 32");
        await SchemaMigration.ApplyAsync(api.Service<EventStore.EventStore>(), CancellationToken.None);

        (await api.SnapshotAsync("rm_insights_offer_statuses")).ShouldBe(projected);
    }
}
