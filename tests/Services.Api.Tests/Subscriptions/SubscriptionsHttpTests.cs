using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Services.Api.Common;
using Services.Api.Subscriptions;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Subscriptions;

public sealed class SubscriptionsHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static DateOnly TodayInParis() =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeBySystemTimeZoneId(DateTimeOffset.UtcNow, "Europe/Paris").DateTime);

    private static string MonthOf(DateOnly date) => Subscription.MonthOf(date);

    private async Task<(Actor Club, string OfferId, Actor Company)> MemberOfAClubWithAnOfferAsync()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        return (club, offer.Id, company);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body, options: ApiFixture.JsonOptions);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task A_member_company_subscribes_and_reads_its_subscription_with_an_etag_and_its_quota_usage()
    {
        var (club, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var before = TodayInParis();

        var subscribed = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 12), ApiFixture.JsonOptions);

        subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
        subscribed.Headers.ETag!.Tag.ShouldBe("\"1\"");
        var body = (await subscribed.Content.ReadFromJsonAsync<SubscriptionResponse>(ApiFixture.JsonOptions))!;
        subscribed.Headers.Location!.ToString().ShouldBe($"/v1/subscriptions/{body.Id}");
        body.Id.ShouldStartWith("sub_");
        body.CompanyId.ShouldBe(company.Id);
        body.OfferId.ShouldBe(offerId);
        body.ClubId.ShouldBe(club.Id);
        body.Status.ShouldBe(SubscriptionStatus.Active);
        body.MonthlyQuota.ShouldBe(12);
        body.StartsOn.ShouldBeOneOf(before, TodayInParis());
        body.EndsOn.ShouldBeNull();
        body.Usage.Select(u => u.Month).ShouldBe([MonthOf(body.StartsOn), MonthOf(body.StartsOn.AddMonths(1))]);
        body.Usage.ShouldAllBe(u => u.UnitsUsed == 0 && u.UnitsRemaining == 12);

        var read = await company.Client.GetAsync($"/v1/subscriptions/{body.Id}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.ShouldBe("\"1\"");
        // The read names the company, which the command's answer does without.
        var readBody = (await read.Content.ReadFromJsonAsync<SubscriptionResponse>(ApiFixture.JsonOptions))!;
        readBody.CompanyName.ShouldStartWith("Company ");
        readBody.ShouldBeEquivalentTo(body with { CompanyName = readBody.CompanyName });
        (await api.GetSubscriptionAsync(club, body.Id)).CompanyId.ShouldBe(company.Id);
        (await api.Operator.GetAsync($"/v1/subscriptions/{body.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_subscription_may_start_on_a_later_date()
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var startsOn = TodayInParis().AddMonths(2);

        var subscription = await api.SubscribeAsync(company, offerId, startsOn: startsOn);

        subscription.StartsOn.ShouldBe(startsOn);
    }

    [Fact]
    public async Task The_operator_subscribes_a_company_by_naming_it()
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();

        var withoutCompany = await api.Operator.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5), ApiFixture.JsonOptions);
        await withoutCompany.ShouldBeInvalidAsync("companyId");

        var subscribed = await api.Operator.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5, CompanyId: company.Id), ApiFixture.JsonOptions);
        subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
        (await subscribed.Content.ReadFromJsonAsync<SubscriptionResponse>(ApiFixture.JsonOptions))!.CompanyId.ShouldBe(company.Id);
    }

    [Theory]
    [InlineData("""{"monthlyQuota":5}""", "offerId")]
    [InlineData("""{"offerId":"off_aaaaaaaaaaaaaaaaaaaaaaaa","monthlyQuota":5,"colour":"red"}""", "colour")]
    [InlineData("""{"offerId":"off_aaaaaaaaaaaaaaaaaaaaaaaa","monthlyQuota":"five"}""", "monthlyQuota")]
    [InlineData("""{"offerId":"off_aaaaaaaaaaaaaaaaaaaaaaaa","monthlyQuota":0}""", "monthlyQuota")]
    [InlineData("""{"offerId":"off_aaaaaaaaaaaaaaaaaaaaaaaa","monthlyQuota":10001}""", "monthlyQuota")]
    [InlineData("""{"offerId":"not-an-id","monthlyQuota":5}""", "offerId")]
    [InlineData("""{"offerId":"off_aaaaaaaaaaaaaaaaaaaaaaaa","monthlyQuota":5,"startsOn":"tomorrow"}""", "startsOn")]
    [InlineData("""{"offerId":"off_aaaaaaaaaaaaaaaaaaaaaaaa","monthlyQuota":5,"companyId":"not-an-id"}""", "companyId")]
    public async Task An_invalid_subscription_request_is_answered_400_naming_the_field(string json, string field)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var attempt = await company.Client.PostAsync("/v1/subscriptions", Json(json));

        await attempt.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task A_company_naming_another_company_is_forbidden_as_everywhere_an_organization_acts_for_another()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var other = await api.RegisterAsync(OrganizationKind.Company);

        var attempt = await company.Client.PostAsync("/v1/subscriptions", Json($$"""{"offerId":"off_aaaaaaaaaaaaaaaaaaaaaaaa","monthlyQuota":5,"companyId":"{{other.Id}}"}"""));

        await attempt.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_subscription_cannot_start_in_the_past()
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();

        var attempt = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5, TodayInParis().AddDays(-2)), ApiFixture.JsonOptions);

        await attempt.ShouldBeInvalidAsync("startsOn");
    }

    [Fact]
    public async Task A_subscription_starts_within_the_planning_horizon()
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var horizon = TodayInParis().AddYears(Services.Api.Slots.Slot.MaxYearsAhead);

        var beyond = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5, horizon.AddDays(1)), ApiFixture.JsonOptions);
        var within = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5, horizon), ApiFixture.JsonOptions);

        await beyond.ShouldBeInvalidAsync("startsOn");
        within.StatusCode.ShouldBe(HttpStatusCode.Created, await within.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Subscription_endpoints_need_a_key()
    {
        var anonymous = api.Anonymous();
        (await anonymous.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest("off_aaaaaaaaaaaaaaaaaaaaaaaa", 5), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/v1/subscriptions/sub_aaaaaaaaaaaaaaaaaaaaaaaa")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PatchAsJsonAsync("/v1/subscriptions/sub_aaaaaaaaaaaaaaaaaaaaaaaa", new ChangeQuotaRequest(3), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync("/v1/subscriptions/sub_aaaaaaaaaaaaaaaaaaaaaaaa/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Only_companies_subscribe_change_quotas_and_cancel()
    {
        var (club, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var subscription = await api.SubscribeAsync(company, offerId);
        var provider = await api.RegisterAsync(OrganizationKind.Provider);

        await (await club.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5), ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await provider.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5), ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await club.Client.PatchAsJsonAsync($"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(3), ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await club.Client.PostAsync($"/v1/subscriptions/{subscription.Id}/cancel", null))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Another_organizations_subscription_is_not_found()
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var subscription = await api.SubscribeAsync(company, offerId);
        var otherCompany = await api.RegisterAsync(OrganizationKind.Company);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);
        var provider = await api.RegisterAsync(OrganizationKind.Provider);

        await (await otherCompany.Client.GetAsync($"/v1/subscriptions/{subscription.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherClub.Client.GetAsync($"/v1/subscriptions/{subscription.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await provider.Client.GetAsync($"/v1/subscriptions/{subscription.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherCompany.Client.PatchAsJsonAsync($"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(3), ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await otherCompany.Client.PostAsync($"/v1/subscriptions/{subscription.Id}/cancel", null))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await company.Client.GetAsync("/v1/subscriptions/sub_aaaaaaaaaaaaaaaaaaaaaaaa")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await company.Client.GetAsync("/v1/subscriptions/nonsense")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Subscribing_to_an_unknown_offer_or_for_an_unknown_company_is_not_found()
    {
        var (_, offerId, _) = await MemberOfAClubWithAnOfferAsync();
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var unknownOffer = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest("off_aaaaaaaaaaaaaaaaaaaaaaaa", 5), ApiFixture.JsonOptions);
        var unknownCompany = await api.Operator.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5, CompanyId: "org_aaaaaaaaaaaaaaaaaaaaaaaa"), ApiFixture.JsonOptions);

        (await unknownOffer.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found")).GetProperty("detail").GetString()!.ShouldContain("offer");
        (await unknownCompany.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found")).GetProperty("detail").GetString()!.ShouldContain("company");
    }

    [Fact]
    public async Task Only_members_of_the_offers_club_subscribe()
    {
        var (_, offerId, _) = await MemberOfAClubWithAnOfferAsync();
        var stranger = await api.RegisterAsync(OrganizationKind.Company);

        var attempt = await stranger.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5), ApiFixture.JsonOptions);

        await attempt.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_a_member");
    }

    [Fact]
    public async Task A_company_has_one_active_subscription_per_offer_and_may_subscribe_again_once_cancelled()
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var first = await api.SubscribeAsync(company, offerId);

        var second = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5), ApiFixture.JsonOptions);
        (await second.ShouldBeProblemAsync(HttpStatusCode.Conflict, "subscription_exists")).GetProperty("existingSubscriptionId").GetString().ShouldBe(first.Id);

        var cancelled = await company.Client.PostAsync($"/v1/subscriptions/{first.Id}/cancel", null);
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK);
        var endsOn = (await cancelled.Content.ReadFromJsonAsync<SubscriptionResponse>(ApiFixture.JsonOptions))!.EndsOn!.Value;
        // While the cancelled one runs (to the end of its month), a new one cannot overlap it; by default it starts after.
        var overlapping = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5, StartsOn: endsOn), ApiFixture.JsonOptions);
        (await overlapping.ShouldBeProblemAsync(HttpStatusCode.Conflict, "subscription_exists")).GetProperty("earliestStartsOn").GetString()
            .ShouldBe(endsOn.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        var again = await api.SubscribeAsync(company, offerId);
        again.Id.ShouldNotBe(first.Id);
        again.StartsOn.ShouldBe(endsOn.AddDays(1));
    }

    [Fact]
    public async Task Concurrent_subscriptions_of_one_company_to_one_offer_open_exactly_one()
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5), ApiFixture.JsonOptions)));

        answers.Count(a => a.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        answers.Count(a => a.StatusCode == HttpStatusCode.Conflict).ShouldBe(7);
    }

    [Fact]
    public async Task No_subscription_to_a_suspended_offer()
    {
        var (club, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        await api.SuspendOfferAsync(club, offerId);

        var attempt = await company.Client.PostAsJsonAsync("/v1/subscriptions", new SubscribeRequest(offerId, 5), ApiFixture.JsonOptions);

        await attempt.ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_suspended");
    }

    [Fact]
    public async Task A_company_changes_its_quota_with_if_match_and_a_stale_etag_is_refused()
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var subscription = await api.SubscribeAsync(company, offerId, monthlyQuota: 10);

        var changed = await SendAsync(company.Client, HttpMethod.Patch, $"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(25), "\"1\"");

        changed.StatusCode.ShouldBe(HttpStatusCode.OK, await changed.Content.ReadAsStringAsync());
        changed.Headers.ETag!.Tag.ShouldBe("\"2\"");
        var body = (await changed.Content.ReadFromJsonAsync<SubscriptionResponse>(ApiFixture.JsonOptions))!;
        body.MonthlyQuota.ShouldBe(25);
        body.Usage.ShouldAllBe(u => u.UnitsRemaining == 25);

        var stale = await SendAsync(company.Client, HttpMethod.Patch, $"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(30), "\"1\"");
        await stale.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        (await api.GetSubscriptionAsync(company, subscription.Id)).MonthlyQuota.ShouldBe(25);
    }

    [Theory]
    [InlineData("""{"monthlyQuota":0}""", "monthlyQuota")]
    [InlineData("""{"monthlyQuota":"many"}""", "monthlyQuota")]
    [InlineData("""{}""", "monthlyQuota")]
    [InlineData("""{"monthlyQuota":4,"startsOn":"2030-01-01"}""", "startsOn")]
    public async Task An_invalid_quota_change_is_answered_400_naming_the_field(string json, string field)
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var subscription = await api.SubscribeAsync(company, offerId);

        var attempt = await company.Client.PatchAsync($"/v1/subscriptions/{subscription.Id}", Json(json));

        await attempt.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task A_cancelled_subscription_runs_to_the_end_of_the_month_and_cannot_be_changed_or_cancelled_again()
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var subscription = await api.SubscribeAsync(company, offerId);

        var cancelled = await company.Client.PostAsync($"/v1/subscriptions/{subscription.Id}/cancel", null);

        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        cancelled.Headers.ETag!.Tag.ShouldBe("\"2\"");
        var body = (await cancelled.Content.ReadFromJsonAsync<SubscriptionResponse>(ApiFixture.JsonOptions))!;
        body.Status.ShouldBe(SubscriptionStatus.Cancelled);
        var today = TodayInParis();
        body.EndsOn.ShouldBe(new DateOnly(today.Year, today.Month, DateTime.DaysInMonth(today.Year, today.Month)));

        await (await company.Client.PostAsync($"/v1/subscriptions/{subscription.Id}/cancel", null))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "subscription_cancelled");
        await (await company.Client.PatchAsJsonAsync($"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(3), ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "subscription_cancelled");
    }

    [Fact]
    public async Task A_cancellation_refused_for_later_bookings_names_them()
    {
        var (club, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var subscription = await api.SubscribeAsync(company, offerId);
        // 45 days on is always after the end of this month.
        var slot = await api.ScheduleSlotAsync(club, offerId, OffersAndSlots.InDays(45));
        var booking = await api.BookAsync(company, subscription.Id, slot.Id, quantity: 2);

        var refused = await company.Client.PostAsync($"/v1/subscriptions/{subscription.Id}/cancel", null);

        var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "subscription_has_later_bookings");
        problem.GetProperty("bookingIds").EnumerateArray().Select(id => id.GetString()).ShouldBe([booking.Id]);
        problem.GetProperty("bookingCount").GetInt32().ShouldBe(1);
        var today = TodayInParis();
        problem.GetProperty("endsOn").GetString().ShouldBe($"{new DateOnly(today.Year, today.Month, DateTime.DaysInMonth(today.Year, today.Month)):yyyy-MM-dd}");
        problem.GetProperty("detail").GetString()!.ShouldContain("2 units booked after");
    }

    [Fact]
    public async Task The_operator_cancels_a_subscription_and_a_stale_if_match_is_refused()
    {
        var (_, offerId, company) = await MemberOfAClubWithAnOfferAsync();
        var subscription = await api.SubscribeAsync(company, offerId);
        (await SendAsync(company.Client, HttpMethod.Patch, $"/v1/subscriptions/{subscription.Id}", new ChangeQuotaRequest(3))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var stale = await SendAsync(api.Operator, HttpMethod.Post, $"/v1/subscriptions/{subscription.Id}/cancel", ifMatch: "\"1\"");
        await stale.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");

        var cancelled = await SendAsync(api.Operator, HttpMethod.Post, $"/v1/subscriptions/{subscription.Id}/cancel", ifMatch: "\"2\"");
        cancelled.StatusCode.ShouldBe(HttpStatusCode.OK, await cancelled.Content.ReadAsStringAsync());
        (await api.GetSubscriptionAsync(company, subscription.Id)).Status.ShouldBe(SubscriptionStatus.Cancelled);
    }
}
