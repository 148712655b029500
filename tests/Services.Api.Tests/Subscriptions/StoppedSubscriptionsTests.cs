using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Organizations;
using Services.Api.Subscriptions;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.Api.Usage;
using Services.Testing;

namespace Services.Api.Tests.Subscriptions;

public sealed class StoppedSubscriptionsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static DateOnly LocalToday(string timeZone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTimeOffset.UtcNow, timeZone).DateTime);

    private static string Month(DateOnly day) => day.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private async Task<UsageStatementResponse> StatementAsync(Actor company, DateOnly month) =>
        (await company.Client.GetFromJsonAsync<UsageStatementResponse>($"/v1/companies/{company.Id}/usage?month={Month(month)}", ApiFixture.JsonOptions))!;

    [Fact]
    public async Task Withdrawing_an_offer_ends_its_subscriptions_with_the_month_so_no_fee_runs_on_and_its_bookings_stand()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var later = await api.ScheduleSlotAsync(club, offer.Id, OffersAndSlots.InDays(40));
        var booking = await api.BookAsync(company, subscription.Id, later.Id);
        var laterStarter = await api.RegisterMemberAsync(club);
        var startsLater = await api.SubscribeAsync(laterStarter, offer.Id, startsOn: LocalToday(offer.TimeZone).AddMonths(2));

        var before = LocalToday(offer.TimeZone);
        await api.WithdrawOfferAsync(club, offer.Id);
        var after = LocalToday(offer.TimeZone);
        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        await api.CaughtUpAsync(CatalogReadModels.SubscriptionListShard);
        var reaction = api.Factory.Services.GetRequiredService<StoppedSubscriptions>();
        (await reaction.RunOnceAsync(CancellationToken.None)).ShouldBe(2);

        var ended = await api.GetSubscriptionAsync(company, subscription.Id);
        ended.Status.ShouldBe(SubscriptionStatus.Cancelled);
        ended.EndReason.ShouldBe(SubscriptionEndReason.OfferWithdrawn);
        ended.EndsOn.ShouldBeOneOf(Subscription.EndOfMonth(before), Subscription.EndOfMonth(after));
        var neverRan = await api.GetSubscriptionAsync(laterStarter, startsLater.Id);
        neverRan.Status.ShouldBe(SubscriptionStatus.Cancelled);
        neverRan.EndsOn!.Value.ShouldBeLessThan(neverRan.StartsOn);
        (await api.GetBookingAsync(company, booking.Id)).Status.ShouldBe(BookingStatus.Confirmed);

        await api.CaughtUpAsync(InsightsProjection.ShardName);
        var endsOn = ended.EndsOn!.Value;
        (await StatementAsync(company, endsOn)).Lines.ShouldHaveSingleItem().SubscriptionFee.ShouldBe(offer.MonthlyFee);
        (await StatementAsync(company, endsOn.AddDays(1))).Lines.ShouldBeEmpty();
        (await StatementAsync(laterStarter, startsLater.StartsOn)).Lines.ShouldBeEmpty();

        await api.CaughtUpAsync(CatalogReadModels.SubscriptionListShard);
        (await reaction.RunOnceAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task Removing_a_company_from_its_club_ends_its_subscriptions_to_the_clubs_offers_with_the_month_unless_it_is_admitted_again()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var (removed, readmitted) = (await api.RegisterMemberAsync(club), await api.RegisterMemberAsync(club));
        var subscription = await api.SubscribeAsync(removed, offer.Id);
        var kept = await api.SubscribeAsync(readmitted, offer.Id);

        var before = LocalToday(offer.TimeZone);
        (await club.Client.DeleteAsync($"/v1/clubs/{club.Id}/members/{removed.Id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        (await club.Client.DeleteAsync($"/v1/clubs/{club.Id}/members/{readmitted.Id}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NoContent);
        (await club.Client.PostAsJsonAsync($"/v1/clubs/{club.Id}/members", new AdmitMemberRequest(readmitted.Id), ApiFixture.JsonOptions)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        var after = LocalToday(offer.TimeZone);
        await api.CaughtUpAsync(InsightsProjection.ShardName);
        await api.CaughtUpAsync(CatalogReadModels.SubscriptionListShard);
        var reaction = api.Factory.Services.GetRequiredService<StoppedSubscriptions>();
        (await reaction.RunOnceAsync(CancellationToken.None)).ShouldBe(1);

        var ended = await api.GetSubscriptionAsync(removed, subscription.Id);
        ended.Status.ShouldBe(SubscriptionStatus.Cancelled);
        ended.EndReason.ShouldBe(SubscriptionEndReason.MembershipRemoved);
        ended.EndsOn.ShouldBeOneOf(Subscription.EndOfMonth(before), Subscription.EndOfMonth(after));
        (await api.GetSubscriptionAsync(readmitted, kept.Id)).Status.ShouldBe(SubscriptionStatus.Active);
        await api.CaughtUpAsync(CatalogReadModels.SubscriptionListShard);
        (await removed.Client.ListAsync<SubscriptionResponse>("/v1/subscriptions")).Data.ShouldHaveSingleItem().EndReason.ShouldBe(SubscriptionEndReason.MembershipRemoved);
        // Feed and webhook readers see it in the event's data, by its wire name.
        await using (var command = api.Service<NpgsqlDataSource>().CreateCommand("select data->>'reason' from es_events where stream_id = $1 and event_type = 'subscription.cancelled'"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Subscription.StreamId(subscription.Id) });
            ((string?)await command.ExecuteScalarAsync()).ShouldBe("membership_removed");
        }
        (await reaction.RunOnceAsync(CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task The_reaction_runs_on_its_own_at_its_interval()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        await using var node = api.WithClock(new FakeClock(DateTimeOffset.UtcNow), ("Reactions:StoppedSubscriptionsIntervalSeconds", "1"));

        (await node.ClientFor(club).PostAsync($"/v1/offers/{offer.Id}/withdraw", null)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);

        await Eventually.WaitUntilAsync(
            async () => (await api.GetSubscriptionAsync(company, subscription.Id)).Status == SubscriptionStatus.Cancelled,
            "the periodic run ended the subscription of the withdrawn offer");
    }

    [Fact]
    public async Task An_offer_withdrawn_before_withdrawals_carried_their_instant_ends_its_subscriptions_with_the_month_it_was_recorded_in()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var before = LocalToday(offer.TimeZone);
        await api.Factory.Services.GetRequiredService<EventStore.EventStore>().AppendAsync(
            Services.Api.Offers.Offer.StreamId(offer.Id), Services.Api.Offers.Offer.StreamType, EventStore.ExpectedVersion.Any, [new Services.Api.Offers.OfferWithdrawn()]);
        var after = LocalToday(offer.TimeZone);
        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        await api.CaughtUpAsync(CatalogReadModels.SubscriptionListShard);

        // The reaction runs three months later: the month it ends with is the withdrawal's, not the run's.
        await using (var later = api.WithClock(new FakeClock(DateTimeOffset.UtcNow.AddMonths(3))))
            (await later.Service<StoppedSubscriptions>().RunOnceAsync(CancellationToken.None)).ShouldBe(1);

        (await api.GetSubscriptionAsync(company, subscription.Id)).EndsOn.ShouldBeOneOf(Subscription.EndOfMonth(before), Subscription.EndOfMonth(after));
    }

    [Fact]
    public async Task A_subscription_that_would_have_started_after_the_withdrawal_month_is_counted_nowhere()
    {
        var territory = "wd-" + Guid.NewGuid().ToString("N")[..10];
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var offer = await api.PublishOfferAsync(club, territory: territory);
        var company = await api.RegisterMemberAsync(club, territory);
        var subscription = await api.SubscribeAsync(company, offer.Id, startsOn: new DateOnly(2027, 2, 1));
        await using (var january = api.WithClock(new FakeClock(new DateTimeOffset(2027, 1, 10, 9, 0, 0, TimeSpan.Zero))))
            (await january.ClientFor(club).PostAsync($"/v1/offers/{offer.Id}/withdraw", null)).StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        await api.CaughtUpAsync(CatalogReadModels.SubscriptionListShard);
        await api.Factory.Services.GetRequiredService<StoppedSubscriptions>().RunOnceAsync(CancellationToken.None);
        (await api.GetSubscriptionAsync(company, subscription.Id)).EndsOn.ShouldBe(new DateOnly(2027, 1, 31));

        await api.CaughtUpAsync(InsightsProjection.ShardName);

        (await api.Operator.GetFromJsonAsync<Services.Api.Indicators.IndicatorsResponse>($"/v1/indicators?territory={territory}&quarter=2027-Q1", ApiFixture.JsonOptions))!
            .SubscribedCompanies.ShouldBe(0);
        (await StatementAsync(company, new DateOnly(2027, 2, 1))).Lines.ShouldBeEmpty();
    }
}
