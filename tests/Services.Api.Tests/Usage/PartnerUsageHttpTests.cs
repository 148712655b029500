using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Indicators;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.Tests.Demand;
using Services.Api.Tests.Http;
using Services.Api.Usage;
using static Services.Api.Tests.Demand.InsightStore;
using static Services.Api.Tests.Usage.UsageHttpTests;

namespace Services.Api.Tests.Usage;

public sealed class PartnerUsageHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly DateOnly February = new(2026, 2, 10);

    private static async Task<PartnerUsageResponse> PartnerStatementAsync(Actor partner, string month, InsightStore store) =>
        await OkAsync<PartnerUsageResponse>(await partner.Client.GetAsync($"/v1/partners/{partner.Id}/usage?month={month}&minPosition={store.Last}"));

    [Fact]
    public async Task A_partner_reads_what_it_co_funds_as_the_companies_read_it_to_the_cent_without_another_partners_offers()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var (partner, otherPartner) = (await api.RegisterAsync(OrganizationKind.Partner, territory), await api.RegisterAsync(OrganizationKind.Partner, territory));
        var (club, otherClub) = (await store.OrganizationAsync(OrganizationKind.Club, territory), await store.OrganizationAsync(OrganizationKind.Club, territory));
        var (first, second) = (await api.RegisterAsync(OrganizationKind.Company, territory), await api.RegisterAsync(OrganizationKind.Company, territory));
        var shuttle = await store.OfferAsync(club, [territory], Category.Mobility, 5_000, 1_250, 2_500, title: "Shuttle", coFundingPartnerId: partner.Id);
        var childcare = await store.OfferAsync(otherClub, [territory], Category.Childcare, 1_000, 2_335, 3_333, title: "Childcare", coFundingPartnerId: partner.Id);
        var concierge = await store.OfferAsync(club, [territory], Category.Concierge, 3_000, 333, 5_000, title: "Concierge", coFundingPartnerId: otherPartner.Id);
        var uncofunded = await store.OfferAsync(club, [territory], Category.SpouseWelcome, 2_000, 0, title: "Welcome");
        var handedOver = await store.OfferAsync(club, [territory], Category.Mobility, 4_000, 0, 1_000, title: "Carpool", coFundingPartnerId: partner.Id);
        foreach (var offer in new[] { shuttle, childcare, concierge, uncofunded, handedOver }) await store.SubscribeAsync(first.Id, offer, February);
        foreach (var offer in new[] { shuttle, concierge }) await store.SubscribeAsync(second.Id, offer, February);
        var shuttleSlot = await store.SlotAsync(shuttle, At(new DateOnly(2026, 3, 4)));
        await store.BookAsync(first.Id, shuttle, shuttleSlot, 2, "e1", Attended);
        await store.BookAsync(first.Id, shuttle, shuttleSlot, 1, "e2", NoShow);
        await store.BookAsync(second.Id, shuttle, shuttleSlot, 1, "f1", Attended);
        await store.BookAsync(first.Id, childcare, await store.SlotAsync(childcare, At(new DateOnly(2026, 3, 5))), 1, "e3", Attended);
        // Now, long after March: the carpool's co-funding passes to the other partner, at the same share.
        await store.ReviseAsync(handedOver, [territory], 4_000, 0, 1_000, title: "Carpool", coFundingPartnerId: otherPartner.Id);

        var billed = await PartnerStatementAsync(partner, "2026-03", store);

        (billed.PartnerId, billed.Month).ShouldBe((partner.Id, "2026-03"));
        billed.Statements.Select(s => s.CompanyId).ShouldBe(new[] { first.Id, second.Id }.Order(StringComparer.Ordinal));
        var partnersOffers = new[] { shuttle, childcare, handedOver };
        long coFundedInCompanyStatements = 0;
        foreach (var statement in billed.Statements)
        {
            var own = await StatementAsync(statement.CompanyId == first.Id ? first.Client : second.Client, statement.CompanyId, "2026-03", store);
            var coFundedLines = own.Lines.Where(line => partnersOffers.Contains(line.OfferId)).ToList();
            statement.Lines.ShouldBe(coFundedLines);
            ShouldAddUp(statement);
            coFundedInCompanyStatements += coFundedLines.Sum(line => line.CoFunding.Amount);
        }
        // first: shuttle 5000 + 3 × 1250 = 8750, 25 % = 2187.5 → 2188; childcare 1000 + 2335 = 3335, 33.33 % = 1111.56 → 1112;
        // carpool 4000, 10 % = 400 (the partner's in March); second: shuttle 5000 + 1250 = 6250, 25 % = 1562.5 → 1562.
        billed.Totals.CoFunding.ShouldBe(Money.Euros(2_188 + 1_112 + 400 + 1_562));
        billed.Totals.CoFunding.Amount.ShouldBe(coFundedInCompanyStatements);
        billed.Totals.ShouldBe(UsageStatements.Totals([.. billed.Statements.SelectMany(s => s.Lines)]));
        billed.Statements.SelectMany(s => s.Lines).Single(line => line.OfferId == childcare).ClubId.ShouldBe(otherClub);

        var others = await PartnerStatementAsync(otherPartner, "2026-03", store);
        others.Statements.SelectMany(s => s.Lines).Select(line => line.OfferId).ShouldAllBe(offer => offer == concierge);
        others.Statements.Count.ShouldBe(2);
        others.Totals.CoFunding.ShouldBe(Money.Euros(1_500 + 1_500));

        // The territory's indicator sums both partners.
        var indicators = await OkAsync<IndicatorsResponse>(await partner.Client.GetAsync($"/v1/indicators?territory={territory}&month=2026-03&minPosition={store.Last}"));
        indicators.CoFundingSpent.Amount.ShouldBe(billed.Totals.CoFunding.Amount + others.Totals.CoFunding.Amount);

        // After the revision, the carpool's line is the other partner's.
        var later = DateTime.UtcNow.AddMonths(2).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        (await PartnerStatementAsync(partner, later, store)).Statements.SelectMany(s => s.Lines).ShouldNotContain(line => line.OfferId == handedOver);
        (await PartnerStatementAsync(otherPartner, later, store)).Statements.SelectMany(s => s.Lines).ShouldContain(line => line.OfferId == handedOver);
    }

    [Fact]
    public async Task Each_statement_names_its_company_as_it_is_named_now_which_the_partner_cannot_read_otherwise()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var partner = await api.RegisterAsync(OrganizationKind.Partner, territory);
        var club = await store.OrganizationAsync(OrganizationKind.Club, territory);
        var company = await api.RegisterAsync(OrganizationKind.Company, territory, "Ateliers du Causse");
        var shuttle = await store.OfferAsync(club, [territory], Category.Mobility, 5_000, 1_250, 2_500, title: "Shuttle", coFundingPartnerId: partner.Id);
        await store.SubscribeAsync(company.Id, shuttle, February);

        (await PartnerStatementAsync(partner, "2026-03", store)).Statements.ShouldHaveSingleItem().CompanyName.ShouldBe("Ateliers du Causse");
        (await partner.Client.GetAsync($"/v1/organizations/{company.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var renamed = await company.Client.PatchAsJsonAsync($"/v1/organizations/{company.Id}", new RenameOrganizationRequest("Causse Industries"), ApiFixture.JsonOptions);
        renamed.StatusCode.ShouldBe(HttpStatusCode.OK, await renamed.Content.ReadAsStringAsync());

        var read = await OkAsync<PartnerUsageResponse>(await partner.Client.GetAsync($"/v1/partners/{partner.Id}/usage?month=2026-03&minPosition={PositionOf(renamed)}"));
        read.Statements.ShouldHaveSingleItem().CompanyName.ShouldBe("Causse Industries");
        // A month without lines still names the company on its own statement.
        var january = await StatementAsync(company.Client, company.Id, "2026-01", store);
        (january.Lines.Count, january.CompanyName).ShouldBe((0, "Causse Industries"));
    }

    [Fact]
    public async Task Organizations_kept_before_migration_34_take_the_name_of_their_latest_registration_or_rename()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var (kept, renamed) = (await api.RegisterAsync(OrganizationKind.Company, territory, "Kept"), await api.RegisterAsync(OrganizationKind.Company, territory, "Before"));
        var rename = await renamed.Client.PatchAsJsonAsync($"/v1/organizations/{renamed.Id}", new RenameOrganizationRequest("After"), ApiFixture.JsonOptions);
        rename.StatusCode.ShouldBe(HttpStatusCode.OK);
        await OkAsync<UsageStatementResponse>(await renamed.Client.GetAsync($"/v1/companies/{renamed.Id}/usage?month=2026-03&minPosition={PositionOf(rename)}"));

        // As on a database that had not had it yet.
        await api.ExecuteAsync("alter table rm_insights_organizations drop column name");
        await api.ExecuteAsync("delete from schema_migrations where component = 'api' and version = 34");
        await SchemaMigration.ApplyAsync(api.Service<EventStore.EventStore>(), CancellationToken.None);

        (await api.CountAsync("select count(*) from rm_insights_organizations where organization_id = $1 and name = 'Kept'", kept.Id)).ShouldBe(1);
        (await api.CountAsync("select count(*) from rm_insights_organizations where organization_id = $1 and name = 'After'", renamed.Id)).ShouldBe(1);
        (await StatementAsync(renamed.Client, renamed.Id, "2026-03", store)).CompanyName.ShouldBe("After");
    }

    [Fact]
    public async Task Terms_kept_before_migration_28_take_the_partner_of_the_event_that_set_them()
    {
        var store = new InsightStore(api);
        var territory = NewTerritory();
        var (partner, otherPartner) = (await api.RegisterAsync(OrganizationKind.Partner, territory), await api.RegisterAsync(OrganizationKind.Partner, territory));
        var offer = await store.OfferAsync("org_clubaaaaaaaaaaaaaaaaaaaaa", [territory], coFundingBasisPoints: 1_000, coFundingPartnerId: partner.Id);
        await store.ReviseAsync(offer, [territory], 5_000, 1_250, 1_000, coFundingPartnerId: otherPartner.Id);
        await store.ReviseAsync(offer, [territory], 5_000, 1_250);
        await store.SubscribeAsync("org_companyaaaaaaaaaaaaaaaaaa", offer, February);
        await store.CaughtUpAsync(InsightsProjection.ShardName);

        // As on a database that had not had it yet.
        await api.ExecuteAsync("alter table rm_insights_offer_terms drop column co_funding_partner_id");
        await api.ExecuteAsync("delete from schema_migrations where component = 'api' and version = 28");
        await SchemaMigration.ApplyAsync(api.Service<EventStore.EventStore>(), CancellationToken.None);

        (await api.CountAsync("select count(*) from rm_insights_offer_terms where offer_id = $1 and co_funding_partner_id = $2", offer, partner.Id)).ShouldBe(1);
        (await api.CountAsync("select count(*) from rm_insights_offer_terms where offer_id = $1 and co_funding_partner_id = $2", offer, otherPartner.Id)).ShouldBe(1);
        (await api.CountAsync("select count(*) from rm_insights_offer_terms where offer_id = $1 and co_funding_partner_id is null", offer)).ShouldBe(1);
        (await PartnerStatementAsync(partner, "2026-03", store)).Statements.ShouldHaveSingleItem().Lines.ShouldHaveSingleItem().OfferId.ShouldBe(offer);
    }
}
