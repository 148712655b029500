using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Indicators;
using Services.Api.Organizations;
using Services.Api.Tests.Demand;
using Services.Api.Tests.Http;
using Services.Api.Usage;
using static Services.Api.Tests.Demand.InsightStore;

namespace Services.Api.Tests.Indicators;

public sealed class IndicatorsHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    /// <summary>Next month: memberships and closures appended now happen before its end.</summary>
    private static readonly DateOnly Month = new DateOnly(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1).AddMonths(1);

    private static string MonthText => Month.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static string QuarterText => $"{Month.Year}-Q{(Month.Month - 1) / 3 + 1}";

    private static async Task<IndicatorsResponse> ReadAsync(HttpClient client, string query, InsightStore store) =>
        await OkAsync<IndicatorsResponse>(await client.GetAsync($"/v1/indicators?{query}&minPosition={store.Last}"));

    [Fact]
    public async Task A_company_admitted_removed_and_admitted_again_in_one_transaction_is_a_member()
    {
        var store = new InsightStore(api);
        var t = NewTerritory();
        var club = await store.OrganizationAsync(OrganizationKind.Club, t);
        var company = await store.OrganizationAsync(OrganizationKind.Company, t);

        // One commit time for the three, as when group commit puts the three commands in one transaction.
        await store.AppendAsync(Organization.StreamId(club), Organization.StreamType,
            new MemberAdmitted(company), new MemberRemoved(company), new MemberAdmitted(company));

        (await ReadAsync(api.Operator, $"territory={t}&month={MonthText}", store)).MemberCompanies.ShouldBe(1);
    }

    [Fact]
    public async Task Indicators_of_a_territory_for_a_month()
    {
        var store = new InsightStore(api);
        var (t, u) = (NewTerritory(), NewTerritory());
        var clubT = await store.OrganizationAsync(OrganizationKind.Club, t);
        var clubU = await store.OrganizationAsync(OrganizationKind.Club, u);
        var clubX = await store.OrganizationAsync(OrganizationKind.Club, u);
        var c = new string[7];
        for (var i = 1; i < c.Length; i++) c[i] = await store.OrganizationAsync(OrganizationKind.Company, t);
        foreach (var company in new[] { c[1], c[2], c[3] }) await store.AdmitAsync(clubT, company);
        await store.AdmitAsync(clubU, c[4]);
        await store.AdmitAsync(clubU, c[1]);
        await store.AdmitAsync(clubX, c[5]);
        await store.RemoveAsync(clubT, c[3]);
        var o1 = await store.OfferAsync(clubT, [t], monthlyFee: 5_000, unitPrice: 1_000, coFundingBasisPoints: 5_000);
        var o2 = await store.OfferAsync(clubU, [t, u], monthlyFee: 2_000, unitPrice: 500);
        var o3 = await store.OfferAsync(clubU, [u], coFundingBasisPoints: 10_000);
        await store.SubscribeAsync(c[1], o1, Month.AddMonths(-1));
        await store.SubscribeAsync(c[2], o2, Month.AddMonths(1));
        await store.SubscribeAsync(c[4], o2, Month.AddDays(14));
        await store.SubscribeAsync(c[5], o3, Month);
        await store.SubscribeAsync(c[6], o1, Month.AddMonths(-3), endsOn: Month.AddMonths(-2).AddDays(-1));
        var s1 = await store.SlotAsync(o1, At(Month.AddDays(2)), capacity: 10);
        var s2 = await store.SlotAsync(o2, At(Month.AddDays(3)), capacity: 10);
        await store.CancelSlotAsync((await store.SlotAsync(o1, At(Month.AddDays(4)), capacity: 5)).Id);
        var s4 = await store.SlotAsync(o3, At(Month.AddDays(5)), capacity: 100);
        for (var b = 1; b <= 4; b++) await store.BookAsync(c[1], o1, s1, 1, $"b{b}", Attended);
        await store.BookAsync(c[2], o1, s1, 2, "b1", Attended);
        await store.BookAsync(c[4], o2, s2, 1, "b9", Attended);
        await store.BookAsync(c[1], o2, s2, 1, "b1", Attended);
        await store.BookAsync(c[1], o1, s1, 2, "b5", Promoted);
        await store.BookAsync(c[2], o1, s1, 3, "b6", Expired);
        await store.BookAsync(c[4], o2, s2, 3, "b7", Expired);
        await store.BookAsync(c[5], o3, s4, 50, "z", Attended);
        await store.NeedAsync(c[1], t, 3, At(Month.AddMonths(-1)));
        await store.NeedAsync(c[2], t, 4, At(Month.AddDays(9)));
        await store.WithdrawNeedAsync(await store.NeedAsync(c[2], t, 10, At(Month.AddDays(9))));
        await store.NeedAsync(c[2], t, 9, At(Month.AddMonths(1).AddDays(1)));
        await store.NeedAsync(c[2], u, 20, At(Month));

        await using var afterTheMonth = api.WithClock(new FakeClock(At(Month.AddMonths(1))));
        var indicators = await ReadAsync(afterTheMonth.Operator(), $"territory={t}&month={MonthText}", store);

        indicators.ShouldBe(new IndicatorsResponse(
            t, MonthText, Month, Month.AddMonths(1).AddDays(-1),
            Provisional: true, // the day after the month: attendance may still be recorded
            FinalFrom: FinalFigures.From(Month.AddMonths(1).AddDays(-1)),
            MemberCompanies: 3, // c1, c2 (clubT) and c4 (clubU serves t with o2); c3 left, c5's club does not serve t
            SubscribedCompanies: 2, // c1 (since last month), c4 (mid-month); c2 starts next month, c6 ended
            BeneficiariesServed: "6", // (c1,b1..b4), (c2,b1), (c4,b9)
            FillRate: 0.4, // 8 units attended / 20 seats of slots not cancelled
            WaitlistConversion: 0.25, // 2 promoted / 8 waitlisted
            UnmetDemandUnits: "6",
            OpenNeeds: 2,
            OpenNeedsHeadcount: "7",
            CoFundingSpent: Money.Euros(5_500))); // o1: c1 (5000 + 4 × 1000) × 50 % + c2 (2 × 1000) × 50 %
    }

    [Fact]
    public async Task The_fill_rate_counts_the_seats_of_slots_that_have_started_only_and_is_null_before_the_first()
    {
        var store = new InsightStore(api);
        var t = NewTerritory();
        var club = await store.OrganizationAsync(OrganizationKind.Club, t);
        var offer = await store.OfferAsync(club, [t]);
        var early = await store.SlotAsync(offer, At(Month.AddDays(2)), capacity: 10);
        await store.SlotAsync(offer, At(Month.AddDays(20)), capacity: 30);
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, early, 4, "e1", Attended);

        async Task<double?> FillRateOnAsync(DateTimeOffset now)
        {
            await using var clocked = api.WithClock(new FakeClock(now));
            return (await ReadAsync(clocked.Operator(), $"territory={t}&month={MonthText}", store)).FillRate;
        }

        (await FillRateOnAsync(At(Month))).ShouldBeNull();
        (await FillRateOnAsync(At(Month.AddDays(10)))).ShouldBe(0.4); // 4 attended / 10 seats: the 30 to come are not empty
        (await FillRateOnAsync(At(Month.AddMonths(1)))).ShouldBe(0.1); // 4 / 40
    }

    public static TheoryData<int, int, int> Scenarios => new()
    {
        { 0, 0, 0 }, { 1, 2, 3 }, { 4, 4, 4 }, { 5, 5, 5 }, { 6, 1, 12 }, { 12, 7, 2 }, { 3, 9, 5 }, { 40, 0, 4 },
    };

    [Theory]
    [MemberData(nameof(Scenarios))]
    public async Task No_count_of_people_under_5_is_ever_shown(int beneficiaries, int unmetUnits, int needsHeadcount)
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var club = await store.OrganizationAsync(OrganizationKind.Club, territory);
        var offer = await store.OfferAsync(club, [territory]);
        var slot = await store.SlotAsync(offer, At(Month.AddDays(1)), capacity: 100);
        for (var i = 0; i < beneficiaries; i++) await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, slot, 1, $"e{i}", Attended);
        // One beneficiary attending twice is one person.
        if (beneficiaries > 0) await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, slot, 1, "e0", Attended);
        if (unmetUnits > 0) await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, slot, unmetUnits, "w", Expired);
        if (needsHeadcount > 0) await store.NeedAsync("org_companyaaaaaaaaaaaaaaaaaa", territory, needsHeadcount, At(Month));

        foreach (var period in new[] { $"month={MonthText}", $"quarter={QuarterText}" })
        {
            var indicators = await ReadAsync(api.Operator, $"territory={territory}&{period}", store);

            foreach (var (shown, actual) in new[]
                     {
                         (indicators.BeneficiariesServed, beneficiaries),
                         (indicators.UnmetDemandUnits, unmetUnits),
                         (indicators.OpenNeedsHeadcount, needsHeadcount),
                     })
            {
                shown.ShouldBe(actual < 5 ? "<5" : actual.ToString(CultureInfo.InvariantCulture));
                (shown == "<5" || int.Parse(shown, CultureInfo.InvariantCulture) >= 5).ShouldBeTrue(shown);
            }
        }
    }

    [Fact]
    public async Task Clubs_partners_and_companies_of_the_territory_read_its_indicators_others_do_not()
    {
        var territory = NewTerritory();
        var query = $"/v1/indicators?territory={territory}&month={MonthText}";
        foreach (var kind in new[] { OrganizationKind.Club, OrganizationKind.Partner, OrganizationKind.Company })
            (await (await api.RegisterAsync(kind, territory)).Client.GetAsync(query)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.Operator.GetAsync(query)).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var kind in new[] { OrganizationKind.Club, OrganizationKind.Partner, OrganizationKind.Company })
            await (await (await api.RegisterAsync(kind, NewTerritory())).Client.GetAsync(query)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        (await (await api.RegisterAsync(OrganizationKind.Provider, territory)).Client.GetAsync(query)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await api.Anonymous().GetAsync(query)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("month=2026-03", "2026-03-31")]
    [InlineData("quarter=2026-Q1", "2026-03-31")]
    [InlineData("quarter=2026-Q4", "2026-12-31")]
    public async Task A_period_is_provisional_until_30_days_after_it_ended_in_every_time_zone(string period, string lastDay)
    {
        var finalFrom = FinalFigures.From(DateOnly.Parse(lastDay, CultureInfo.InvariantCulture));
        finalFrom.ShouldBe(new DateTimeOffset(DateOnly.Parse(lastDay, CultureInfo.InvariantCulture).AddDays(31).ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero));
        await using var clocked = api.WithClock(new FakeClock(finalFrom.AddTicks(-1)));
        var query = $"/v1/indicators?territory=grand-figeac&{period}";

        var before = await OkAsync<IndicatorsResponse>(await clocked.Operator().GetAsync(query));
        clocked.Clock.Set(finalFrom);
        var after = await OkAsync<IndicatorsResponse>(await clocked.Operator().GetAsync(query));

        (before.Provisional, before.FinalFrom, after.Provisional, after.FinalFrom).ShouldBe((true, finalFrom, false, finalFrom));
    }

    [Theory]
    [InlineData("month=2026-03", "territory")]
    [InlineData("territory=grand-figeac", "month")]
    [InlineData("territory=grand-figeac", "quarter")]
    [InlineData("territory=grand-figeac&month=2026-03&quarter=2026-Q1", "quarter")]
    [InlineData("territory=grand-figeac&month=2026-3", "month")]
    [InlineData("territory=grand-figeac&quarter=2026-Q5", "quarter")]
    [InlineData("territory=grand-figeac&quarter=2026Q1", "quarter")]
    [InlineData("territory=grand-figeac&month=2026-03&minPosition=x", "minPosition")]
    public async Task A_malformed_period_or_territory_is_refused_naming_it(string query, string field) =>
        await (await api.Operator.GetAsync($"/v1/indicators?{query}")).ShouldBeInvalidAsync(field);

    [Fact]
    public async Task A_need_recorded_through_the_api_is_counted_at_once_with_its_position()
    {
        var territory = NewTerritory();
        await api.CoverTerritoryAsync(territory);
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        var recorded = await company.Client.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(territory: territory, headcount: 6), ApiFixture.JsonOptions);
        recorded.StatusCode.ShouldBe(HttpStatusCode.Created, await recorded.Content.ReadAsStringAsync());
        var thisMonth = DateTime.UtcNow.ToString("yyyy-MM", CultureInfo.InvariantCulture);

        var read = await company.Client.GetAsync($"/v1/indicators?territory={territory}&month={thisMonth}&minPosition={PositionOf(recorded)}");

        var indicators = await OkAsync<IndicatorsResponse>(read);
        (indicators.OpenNeeds, indicators.OpenNeedsHeadcount).ShouldBe((1, "6"));
    }

    [Fact]
    public async Task A_rebuilt_indicators_model_equals_the_live_one()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var club = await store.OrganizationAsync(OrganizationKind.Club, territory);
        var company = await store.OrganizationAsync(OrganizationKind.Company, territory);
        await store.AdmitAsync(club, company);
        await store.RemoveAsync(club, company);
        await store.AdmitAsync(club, company);
        var offer = await store.OfferAsync(club, [territory], coFundingBasisPoints: 3_000);
        await store.ReviseAsync(offer, [territory, NewTerritory()], 1_000, 100, 0);
        await store.SubscribeAsync(company, offer, Month, Month.AddDays(27));
        var slot = await store.SlotAsync(offer, At(Month));
        await store.BookAsync(company, offer, slot, 1, "e1", Attended);
        await store.BookAsync(company, offer, slot, 2, "e2", Expired);
        await store.WithdrawNeedAsync(await store.NeedAsync(company, territory, 8, At(Month)));

        await store.RebuildEqualsLiveAsync(InsightsProjection.ShardName, Tables);
    }
}
