using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Tests.Demand;
using Services.Api.Tests.Http;
using Services.Api.Usage;
using static Services.Api.Tests.Demand.InsightStore;

namespace Services.Api.Tests.Usage;

public sealed class UsageHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly DateOnly March = new(2026, 3, 1);

    internal static async Task<UsageStatementResponse> StatementAsync(HttpClient client, string companyId, string month, InsightStore store) =>
        await OkAsync<UsageStatementResponse>(await client.GetAsync($"/v1/companies/{companyId}/usage?month={month}&minPosition={store.Last}"));

    internal static void ShouldAddUp(UsageStatementResponse statement)
    {
        foreach (var line in statement.Lines)
        {
            line.Total.Amount.ShouldBe(line.SubscriptionFee.Amount + line.UnitCharges.Amount);
            line.AmountDue.Amount.ShouldBe(line.Total.Amount - line.CoFunding.Amount);
        }
        var totals = statement.Totals;
        totals.SubscriptionFees.Amount.ShouldBe(statement.Lines.Sum(l => l.SubscriptionFee.Amount));
        totals.UnitCharges.Amount.ShouldBe(statement.Lines.Sum(l => l.UnitCharges.Amount));
        totals.Total.Amount.ShouldBe(totals.SubscriptionFees.Amount + totals.UnitCharges.Amount);
        totals.CoFunding.Amount.ShouldBe(statement.Lines.Sum(l => l.CoFunding.Amount));
        totals.AmountDue.Amount.ShouldBe(totals.Total.Amount - totals.CoFunding.Amount);
        totals.AttendedUnits.ShouldBe(statement.Lines.Sum(l => l.AttendedUnits));
        totals.NoShowUnits.ShouldBe(statement.Lines.Sum(l => l.NoShowUnits));
    }

    [Theory]
    [InlineData(10_000, 2_500, 2_500)]
    [InlineData(3_333, 5_000, 1_666)] // 1666.5 → even
    [InlineData(3_335, 5_000, 1_668)] // 1667.5 → even
    [InlineData(1, 5_000, 0)]
    [InlineData(3, 5_000, 2)]
    [InlineData(999, 3_333, 333)]
    public void Co_funding_is_the_share_of_the_line_total_rounded_half_to_even(long total, int basisPoints, long expected) =>
        UsageStatements.CoFundingOf(total, basisPoints).ShouldBe(expected);

    [Fact]
    public async Task A_statement_has_a_line_per_offer_that_adds_up_to_the_cent()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        var other = await store.OrganizationAsync(OrganizationKind.Company, territory);
        var club = await store.OrganizationAsync(OrganizationKind.Club, territory);
        var shuttle = await store.OfferAsync(club, [territory], Category.Mobility, monthlyFee: 5_000, unitPrice: 1_250, coFundingBasisPoints: 2_500, title: "Shuttle");
        var concierge = await store.OfferAsync(club, [territory], Category.Concierge, monthlyFee: 3_000, unitPrice: 333, coFundingBasisPoints: 5_000, title: "Concierge");
        var childcare = await store.OfferAsync(club, [territory], Category.Childcare, monthlyFee: 1_000, unitPrice: 2_335, coFundingBasisPoints: 5_000, title: "Childcare");
        await store.SubscribeAsync(company.Id, shuttle, new DateOnly(2026, 2, 10));
        await store.SubscribeAsync(company.Id, concierge, new DateOnly(2026, 3, 31), endsOn: new DateOnly(2026, 3, 31));
        // Units used without a subscription fee this month: the subscription ended in February.
        await store.SubscribeAsync(company.Id, childcare, new DateOnly(2026, 1, 1), endsOn: new DateOnly(2026, 2, 28));
        var shuttleSlot = await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 4)));
        await store.BookAsync(company.Id, shuttle, shuttleSlot, 2, "e1", Attended);
        await store.BookAsync(company.Id, shuttle, shuttleSlot, 1, "e2", NoShow);
        await store.BookAsync(company.Id, shuttle, shuttleSlot, 5, "e3", Cancelled);
        await store.BookAsync(company.Id, shuttle, shuttleSlot, 5, "e4", Expired);
        await store.BookAsync(company.Id, shuttle, shuttleSlot, 5, "e5", Confirmed); // attendance not recorded: not charged
        await store.BookAsync(other, shuttle, shuttleSlot, 4, "x1", Attended);
        // The unit price is the one in force when the booking was requested.
        await store.ReviseAsync(shuttle, [territory], monthlyFee: 6_000, unitPrice: 1_500, coFundingBasisPoints: 2_500, title: "Shuttle");
        await store.BookAsync(company.Id, shuttle, shuttleSlot, 1, "e6", Attended);
        // A slot in April is on the April statement.
        await store.BookAsync(company.Id, shuttle, await store.SlotAsync(shuttle, At(new DateOnly(2026, 4, 1))), 1, "e1", Attended);
        await store.BookAsync(company.Id, concierge, await store.SlotAsync(concierge, At(new DateOnly(2026, 3, 20))), 1, "e1", Attended);
        await store.BookAsync(company.Id, childcare, await store.SlotAsync(childcare, At(new DateOnly(2026, 3, 20))), 1, "e7", NoShow);

        var statement = await StatementAsync(company.Client, company.Id, "2026-03", store);

        statement.CompanyId.ShouldBe(company.Id);
        statement.Month.ShouldBe("2026-03");
        var lines = statement.Lines.ToDictionary(l => l.OfferId);
        lines.Keys.ShouldBe([shuttle, concierge, childcare], ignoreOrder: true);
        // 5000 fee (in force on 1 March, before the revision) + 3 × 1250 + 1 × 1500 = 10250; 25 % = 2562.5 → 2562.
        lines[shuttle].ShouldBe(new UsageLineResponse(shuttle, club, "Shuttle", Category.Mobility, Money.Euros(5_000), 3, 1, Money.Euros(5_250),
            Money.Euros(10_250), 2_500, Money.Euros(2_562), Money.Euros(7_688), null));
        // 3000 + 333 = 3333; half: 1666.5 → 1666.
        lines[concierge].ShouldBe(new UsageLineResponse(concierge, club, "Concierge", Category.Concierge, Money.Euros(3_000), 1, 0, Money.Euros(333),
            Money.Euros(3_333), 5_000, Money.Euros(1_666), Money.Euros(1_667), null));
        // No fee (subscription over), one no-show charged: 2335; half: 1167.5 → 1168.
        lines[childcare].ShouldBe(new UsageLineResponse(childcare, club, "Childcare", Category.Childcare, Money.Euros(0), 0, 1, Money.Euros(2_335),
            Money.Euros(2_335), 5_000, Money.Euros(1_168), Money.Euros(1_167), null));
        statement.Totals.ShouldBe(new UsageTotalsResponse(Money.Euros(8_000), 4, 2, Money.Euros(7_918), Money.Euros(15_918), Money.Euros(5_396), Money.Euros(10_522)));
        ShouldAddUp(statement);

        // April: the fee in force on 1 April is still the first one (the revision came later); the unit booked after the revision costs 1500.
        var april = await StatementAsync(api.Operator, company.Id, "2026-04", store);
        april.Lines.ShouldHaveSingleItem().ShouldBe(new UsageLineResponse(shuttle, club, "Shuttle", Category.Mobility, Money.Euros(5_000), 1, 0, Money.Euros(1_500),
            Money.Euros(6_500), 2_500, Money.Euros(1_625), Money.Euros(4_875), null));
        ShouldAddUp(april);
        // A month after the revision: the revised fee.
        var afterRevision = DateTime.UtcNow.AddMonths(2).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        (await StatementAsync(company.Client, company.Id, afterRevision, store)).Lines.ShouldHaveSingleItem().ShouldBe(
            new UsageLineResponse(shuttle, club, "Shuttle", Category.Mobility, Money.Euros(6_000), 0, 0, Money.Euros(0), Money.Euros(6_000), 2_500, Money.Euros(1_500), Money.Euros(4_500), null));
        // Before any subscription or use: an empty statement that still adds up.
        var december = await StatementAsync(company.Client, company.Id, "2025-12", store);
        december.Lines.ShouldBeEmpty();
        december.Totals.AmountDue.ShouldBe(Money.Euros(0));
    }

    [Fact]
    public async Task A_club_reads_what_its_offers_charge_each_company_as_the_company_reads_it_without_other_clubs_lines()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var otherClub = await store.OrganizationAsync(OrganizationKind.Club, territory);
        var (user, elsewhereOnly) = (await api.RegisterAsync(OrganizationKind.Company, territory), await api.RegisterAsync(OrganizationKind.Company, territory));
        var shuttle = await store.OfferAsync(club.Id, [territory], Category.Mobility, monthlyFee: 5_000, unitPrice: 1_250, coFundingBasisPoints: 2_500, title: "Shuttle");
        var elsewhere = await store.OfferAsync(otherClub, [territory], Category.Concierge, monthlyFee: 3_000, unitPrice: 333, title: "Elsewhere");
        await store.SubscribeAsync(user.Id, shuttle, new DateOnly(2026, 2, 10));
        await store.SubscribeAsync(user.Id, elsewhere, new DateOnly(2026, 2, 10));
        await store.SubscribeAsync(elsewhereOnly.Id, elsewhere, new DateOnly(2026, 2, 10));
        await store.BookAsync(user.Id, shuttle, await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 4))), 2, "e1", Attended);

        var billed = await OkAsync<ClubUsageResponse>(await club.Client.GetAsync($"/v1/clubs/{club.Id}/usage?month=2026-03&minPosition={store.Last}"));

        (billed.ClubId, billed.Month).ShouldBe((club.Id, "2026-03"));
        var statement = billed.Statements.ShouldHaveSingleItem();
        statement.CompanyId.ShouldBe(user.Id);
        var own = await StatementAsync(user.Client, user.Id, "2026-03", store);
        own.Lines.Count.ShouldBe(2);
        statement.Lines.ShouldBe(own.Lines.Where(line => line.OfferId == shuttle).ToList());
        ShouldAddUp(statement);
        billed.Totals.ShouldBe(statement.Totals);
    }

    /// <summary>Each read of an organization's own figures: the kind of organization it is about, and its path for an id.</summary>
    private static readonly (OrganizationKind Kind, string Path)[] OwnFigureReads =
    [
        (OrganizationKind.Company, "/v1/companies/{0}/usage"),
        (OrganizationKind.Club, "/v1/clubs/{0}/usage"),
        (OrganizationKind.Partner, "/v1/partners/{0}/usage"),
        (OrganizationKind.Provider, "/v1/providers/{0}/deliveries"),
        (OrganizationKind.Club, "/v1/clubs/{0}/deliveries"),
    ];

    public static TheoryData<OrganizationKind, string> OwnFigures()
    {
        var reads = new TheoryData<OrganizationKind, string>();
        foreach (var (kind, path) in OwnFigureReads) reads.Add(kind, path);
        return reads;
    }

    public static TheoryData<OrganizationKind, string, string> OwnFiguresWithMalformedMonths()
    {
        var reads = new TheoryData<OrganizationKind, string, string>();
        foreach (var (kind, path) in OwnFigureReads)
            foreach (var query in new[] { "", "?month=2026-3", "?month=2026-13", "?month=March", "?month=2026-03-01" }) reads.Add(kind, path, query);
        return reads;
    }

    private static string PathOf(string path, string organizationId) => string.Format(CultureInfo.InvariantCulture, path, organizationId);

    [Theory]
    [MemberData(nameof(OwnFigures))]
    public async Task Only_the_organization_itself_and_the_operator_read_its_figures(OrganizationKind kind, string path)
    {
        var owner = await api.RegisterAsync(kind);
        var own = PathOf(path, owner.Id) + "?month=2026-03";

        (await owner.Client.GetAsync(own)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await api.Operator.GetAsync(own)).StatusCode.ShouldBe(HttpStatusCode.OK);
        foreach (var strangerKind in new[] { OrganizationKind.Club, OrganizationKind.Company, OrganizationKind.Provider, OrganizationKind.Partner })
        {
            var stranger = await api.RegisterAsync(strangerKind);
            await (await stranger.Client.GetAsync(own)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
            if (strangerKind == kind) continue;
            // An organization of another kind has no such figures, even to itself.
            var other = PathOf(path, stranger.Id) + "?month=2026-03";
            await (await api.Operator.GetAsync(other)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
            await (await stranger.Client.GetAsync(other)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
        await (await api.Operator.GetAsync(PathOf(path, "org_nobodyaaaaaaaaaaaaaaaaaaa") + "?month=2026-03")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        (await api.Anonymous().GetAsync(own)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [MemberData(nameof(OwnFigures))]
    public async Task A_month_is_provisional_until_30_days_after_it_ended_in_every_time_zone(OrganizationKind kind, string path)
    {
        var owner = await api.RegisterAsync(kind);
        // March 2026 ends last at UTC−12, at 12:00 UTC on 1 April; attendance can be corrected 30 days after that.
        var finalFrom = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        await using var clocked = api.WithClock(new FakeClock(finalFrom.AddTicks(-1)));
        var client = clocked.ClientFor(owner);
        var read = PathOf(path, owner.Id) + "?month=2026-03";

        var before = await OkAsync<System.Text.Json.JsonElement>(await client.GetAsync(read));
        clocked.Clock.Set(finalFrom);
        var after = await OkAsync<System.Text.Json.JsonElement>(await client.GetAsync(read));

        (before.GetProperty("provisional").GetBoolean(), after.GetProperty("provisional").GetBoolean()).ShouldBe((true, false));
        foreach (var answer in new[] { before, after }) answer.GetProperty("finalFrom").GetDateTimeOffset().ShouldBe(finalFrom);
    }

    [Theory]
    [MemberData(nameof(OwnFiguresWithMalformedMonths))]
    public async Task A_missing_or_malformed_month_is_refused_naming_month(OrganizationKind kind, string path, string query)
    {
        var owner = await api.RegisterAsync(kind);
        var problem = await (await owner.Client.GetAsync(PathOf(path, owner.Id) + query)).ShouldBeInvalidAsync("month");
        // A month given but malformed is not called missing.
        problem.GetProperty("errors").GetProperty("month")[0].GetString().ShouldStartWith(query == "" ? "Give a month (YYYY-MM)" : "A month is YYYY-MM");
    }

    [Fact]
    public async Task Attendance_recorded_after_the_start_is_on_the_statement_read_with_its_position()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var booking = await api.BookAsync(company, subscription.Id, slot.Id, quantity: 2);
        await using var later = api.WithClock(new FakeClock(slot.Start.AddHours(2)));
        var recorded = await later.ClientFor(club).PostAsJsonAsync($"/v1/bookings/{booking.Id}/attendance",
            new RecordAttendanceRequest(AttendanceOutcome.Attended), ApiFixture.JsonOptions);
        recorded.StatusCode.ShouldBe(HttpStatusCode.OK, await recorded.Content.ReadAsStringAsync());
        var month = TimeZoneInfo.ConvertTimeBySystemTimeZoneId(slot.Start, "Europe/Paris").ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);

        var read = await company.Client.GetAsync($"/v1/companies/{company.Id}/usage?month={month}&minPosition={PositionOf(recorded)}");

        var line = (await OkAsync<UsageStatementResponse>(read)).Lines.ShouldHaveSingleItem();
        (line.OfferId, line.AttendedUnits, line.SubscriptionFee, line.UnitCharges).ShouldBe((offer.Id, 2, Money.Euros(5_000), Money.Euros(2_500)));
    }

    [Fact]
    public async Task A_rebuilt_usage_model_equals_the_live_one()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var (provider, otherProvider) = (Ids.New(Ids.Organization), Ids.New(Ids.Organization));
        var offer = await store.OfferAsync("org_clubaaaaaaaaaaaaaaaaaaaaa", [territory], coFundingBasisPoints: 1_000, providerIds: [provider]);
        await store.ReviseAsync(offer, [territory], 4_000, 1_000, 2_000, providerIds: [otherProvider, provider]);
        await store.OfferAsync("org_clubaaaaaaaaaaaaaaaaaaaaa", [territory], providerIds: [otherProvider]);
        await store.SubscribeAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, March, March.AddDays(30));
        var slot = await store.SlotAsync(offer, At(March.AddDays(3)));
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, slot, 2, "e1", Attended);
        await store.BookAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, slot, 1, "e2", Promoted);
        await store.SuspendAsync(offer, At(March.AddDays(10)));
        await store.ResumeAsync(offer, At(March.AddDays(20)));
        await store.WithdrawAsync(offer, At(March.AddDays(25)));

        await store.RebuildEqualsLiveAsync(InsightsProjection.ShardName, Tables);
    }
}
