using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Organizations;
using Services.Api.Subscriptions;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Catalog;

public sealed class SubscriptionListTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Shard = CatalogReadModels.SubscriptionListShard;

    private async Task<string[]> ListedAsync(Actor actor, string query = "") =>
        [.. (await actor.Client.ListAsync<SubscriptionResponse>($"/v1/subscriptions{query}")).Data.Select(s => s.Id)];

    [Fact]
    public async Task Quota_changes_bookings_and_cancellation_show_in_the_list_as_in_the_single_read()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota: 5);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var kept = await api.BookAsync(company, subscription.Id, slot.Id, quantity: 2);
        var alsoKept = await api.BookAsync(company, subscription.Id, slot.Id);
        var released = await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CancelBookingAsync(company, released.Id);
        (await company.Client.PatchAsJsonAsync($"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(8), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var cancelled = await company.Client.PostAsync($"/v1/subscriptions/{subscription.Id}/cancel", null);
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());

        // minPosition waits for the subscription list, not for the insights read model the company's name comes from.
        await api.CaughtUpAsync(Services.Api.Demand.InsightsProjection.ShardName);
        var listed = (await company.Client.ListAsync<SubscriptionResponse>($"/v1/subscriptions?minPosition={cancelled.Position()}")).Data.ShouldHaveSingleItem();

        listed.ShouldBeEquivalentTo(await api.GetSubscriptionAsync(company, subscription.Id));
        listed.Status.ShouldBe(SubscriptionStatus.Cancelled);
        listed.EndReason.ShouldBe(SubscriptionEndReason.OnRequest);
        listed.MonthlyQuota.ShouldBe(8);
        listed.EndsOn.ShouldNotBeNull();
        listed.Usage.Sum(u => u.UnitsUsed).ShouldBe(kept.Quantity + alsoKept.Quantity);
        await using var command = api.Service<NpgsqlDataSource>().CreateCommand("select count(*) from rm_subscription_units where subscription_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = subscription.Id });
        ((long)(await command.ExecuteScalarAsync())!).ShouldBe(2);
    }

    [Fact]
    public async Task The_offers_club_reads_the_subscribed_companys_name_now_which_a_command_answer_leaves_out()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscribed = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offer.Id, 4), ApiFixture.JsonOptions);
        subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
        var subscription = (await subscribed.Content.ReadFromJsonAsync<SubscriptionResponse>(ApiFixture.JsonOptions))!;
        subscription.CompanyName.ShouldBeNull();
        var renamed = await company.Client.PatchAsJsonAsync($"/v1/organizations/{company.Id}", new RenameOrganizationRequest("Fromagerie du Ségala"), ApiFixture.JsonOptions);
        renamed.StatusCode.ShouldBe(HttpStatusCode.OK, await renamed.Content.ReadAsStringAsync());
        await api.CaughtUpAsync(Services.Api.Demand.InsightsProjection.ShardName);

        (await api.GetSubscriptionAsync(club, subscription.Id)).CompanyName.ShouldBe("Fromagerie du Ségala");
        (await club.Client.ListAsync<SubscriptionResponse>($"/v1/subscriptions?offerId={offer.Id}&minPosition={renamed.Position()}")).Data
            .ShouldHaveSingleItem().CompanyName.ShouldBe("Fromagerie du Ségala");
    }

    [Fact]
    public async Task A_subscription_cancelled_before_cancellations_carried_their_reason_shows_none()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        await api.Service<EventStore.EventStore>().AppendAsync(Subscription.StreamId(subscription.Id), Subscription.StreamType,
            EventStore.ExpectedVersion.Any, [new SubscriptionCancelled(Subscription.EndOfMonth(subscription.StartsOn))]);
        await api.CaughtUpAsync(Shard);

        var read = await api.GetSubscriptionAsync(company, subscription.Id);
        read.Status.ShouldBe(SubscriptionStatus.Cancelled);
        read.EndReason.ShouldBeNull();
        (await company.Client.ListAsync<SubscriptionResponse>("/v1/subscriptions")).Data.ShouldHaveSingleItem().ShouldBeEquivalentTo(read);
    }

    [Fact]
    public async Task Companies_see_their_own_subscriptions_and_clubs_those_to_their_offers()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);
        var otherOffer = await api.PublishOfferAsync(otherClub);
        var company = await api.RegisterMemberAsync(club);
        var otherCompany = await api.RegisterMemberAsync(club);
        (await otherClub.Client.PostAsJsonAsync($"/v1/clubs/{otherClub.Id}/members", new AdmitMemberRequest(company.Id), ApiFixture.JsonOptions))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var mine = await api.SubscribeAsync(company, offer.Id);
        var theirs = await api.SubscribeAsync(otherCompany, offer.Id);
        var elsewhere = await api.SubscribeAsync(company, otherOffer.Id);
        var partner = await api.RegisterAsync(OrganizationKind.Partner);
        await api.CaughtUpAsync(Shard);

        (await ListedAsync(company)).ShouldBe([elsewhere.Id, mine.Id]);
        (await ListedAsync(otherCompany)).ShouldBe([theirs.Id]);
        (await ListedAsync(otherCompany, $"?companyId={company.Id}")).ShouldBeEmpty();
        (await ListedAsync(club)).ShouldBe([theirs.Id, mine.Id]);
        (await ListedAsync(club, $"?companyId={company.Id}")).ShouldBe([mine.Id]);
        (await ListedAsync(otherClub)).ShouldBe([elsewhere.Id]);
        (await ListedAsync(partner)).ShouldBeEmpty();
        (await api.Operator.ListAsync<SubscriptionResponse>($"/v1/subscriptions?offerId={offer.Id}")).Data.Select(s => s.Id).ShouldBe([theirs.Id, mine.Id]);
    }

    [Fact]
    public async Task Status_and_offer_filters_select_subscriptions()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var first = await api.PublishOfferAsync(club);
        var second = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var active = await api.SubscribeAsync(company, first.Id);
        var ended = await api.SubscribeAsync(company, second.Id);
        (await company.Client.PostAsync($"/v1/subscriptions/{ended.Id}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.CaughtUpAsync(Shard);

        (await ListedAsync(company, "?status=active")).ShouldBe([active.Id]);
        (await ListedAsync(company, "?status=cancelled")).ShouldBe([ended.Id]);
        (await ListedAsync(company, $"?offerId={second.Id}")).ShouldBe([ended.Id]);
        await (await company.Client.GetAsync("/v1/subscriptions?status=paused")).ShouldBeInvalidAsync("status");
        await (await company.Client.GetAsync("/v1/subscriptions?offerId=off_1")).ShouldBeInvalidAsync("offerId");
        (await api.Anonymous().GetAsync("/v1/subscriptions")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Pages_never_skip_or_repeat_a_subscription_while_companies_subscribe()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterMemberAsync(club);
        var existing = new List<string>();
        for (var i = 0; i < 5; i++) existing.Add((await api.SubscribeAsync(company, (await api.PublishOfferAsync(club)).Id)).Id);
        await api.CaughtUpAsync(Shard);

        var listed = await company.Client.AllPagesAsync<SubscriptionResponse>("/v1/subscriptions", pageSize: 2, async () =>
        {
            await api.SubscribeAsync(company, (await api.PublishOfferAsync(club)).Id);
            await api.CaughtUpAsync(Shard);
        });

        listed.Select(s => s.Id).ShouldBe(Enumerable.Reverse(existing));
    }

    [Fact]
    public async Task The_subscription_list_rebuilt_from_the_events_equals_the_live_one()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var booking = await api.BookAsync(company, subscription.Id, slot.Id);
        await api.BookAsync(company, subscription.Id, slot.Id, quantity: 3);
        await api.CancelBookingAsync(company, booking.Id);
        (await company.Client.PostAsync($"/v1/subscriptions/{subscription.Id}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.OK);

        await api.RebuildEqualsLiveAsync(Shard, "rm_subscription_offers", "rm_subscriptions", "rm_subscription_units");
    }
}
