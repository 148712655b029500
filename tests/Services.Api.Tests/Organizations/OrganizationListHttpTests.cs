using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Demand;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Organizations;

/// <summary>The operator finds any organization, by kind, territory, SIRET or name; no other organization lists them.</summary>
public sealed class OrganizationListHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static string NewTerritory() => "t-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Registers through the API, as the operator does: the organization and its registration's position.</summary>
    private async Task<(OrganizationResponse Organization, string Position)> RegisterAsync(OrganizationKind kind, string territory, string name)
    {
        var answer = await api.Operator.PostAsJsonAsync("/v1/organizations",
            new RegisterOrganizationRequest(kind, name, [territory], kind == OrganizationKind.Company ? Registrations.NextSiret() : null), ApiFixture.JsonOptions);
        answer.StatusCode.ShouldBe(HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        return ((await answer.Content.ReadFromJsonAsync<OrganizationResponse>(ApiFixture.JsonOptions))!, answer.Headers.GetValues(Writes.PositionHeader).Single());
    }

    private async Task<Page<OrganizationResponse>> ListAsync(string query)
    {
        var answer = await api.Operator.GetAsync($"/v1/organizations?{query}");
        answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        return (await answer.Content.ReadFromJsonAsync<Page<OrganizationResponse>>(ApiFixture.JsonOptions))!;
    }

    /// <summary>What an organization shows, its lists as text: records compare lists by reference.</summary>
    private static string Shown(OrganizationResponse o) =>
        $"{o.Id} {o.Kind} {o.Name} [{string.Join(',', o.Territories)}] {o.Siret} {(o.Members is null ? "no members" : $"[{string.Join(',', o.Members)}]")}";

    private static IEnumerable<string> Ids(Page<OrganizationResponse> page) => page.Data.Select(o => o.Id);

    [Fact]
    public async Task The_operator_lists_a_territorys_organizations_newest_registered_first_a_page_at_a_time_reading_its_writes()
    {
        var territory = NewTerritory();
        var club = await RegisterAsync(OrganizationKind.Club, territory, "Club des Causses");
        var partner = await RegisterAsync(OrganizationKind.Partner, territory, "Communauté des Causses");
        var company = await RegisterAsync(OrganizationKind.Company, territory, "Scierie des Causses");
        var provider = await RegisterAsync(OrganizationKind.Provider, territory, "Conciergerie des Causses");

        var all = await ListAsync($"territory={territory}&minPosition={provider.Position}");

        Ids(all).ShouldBe([provider.Organization.Id, company.Organization.Id, partner.Organization.Id, club.Organization.Id]);
        all.Data.Select(Shown).ShouldBe([.. new[] { provider, company, partner, club }.Select(r => Shown(r.Organization))], "each as registerOrganization answered it");
        all.Next.ShouldBeNull();
        var first = await ListAsync($"territory={territory}&limit=3");
        Ids(first).ShouldBe(Ids(all).Take(3));
        var second = await ListAsync($"territory={territory}&limit=3&after={first.Next}");
        Ids(second).ShouldBe([club.Organization.Id]);
        second.Next.ShouldBeNull();
        await api.RebuildEqualsLiveAsync(InsightsProjection.ShardName, InsightStore.Tables);
    }

    [Fact]
    public async Task The_operator_finds_organizations_by_kind_siret_and_a_part_of_their_name_whatever_the_case()
    {
        var territory = NewTerritory();
        var club = await RegisterAsync(OrganizationKind.Club, territory, "Figeacteurs 100% Lot");
        var company = await RegisterAsync(OrganizationKind.Company, territory, "Scierie FIGEAC_Nord");
        var other = await RegisterAsync(OrganizationKind.Company, territory, "Menuiserie du Causse");
        var rename = await api.Operator.PatchAsJsonAsync($"/v1/organizations/{other.Organization.Id}", new RenameOrganizationRequest("Menuiserie de Figeac"), ApiFixture.JsonOptions);
        rename.StatusCode.ShouldBe(HttpStatusCode.OK);
        var renamed = rename.Headers.GetValues(Writes.PositionHeader).Single();

        Ids(await ListAsync($"territory={territory}&kind=company&minPosition={renamed}")).ShouldBe([other.Organization.Id, company.Organization.Id]);
        Ids(await ListAsync($"territory={territory}&kind=club")).ShouldBe([club.Organization.Id]);
        Ids(await ListAsync($"territory={territory}&kind=provider")).ShouldBeEmpty();
        Ids(await ListAsync($"siret={company.Organization.Siret}")).ShouldBe([company.Organization.Id]);
        Ids(await ListAsync($"territory={territory}&name=figeac")).ShouldBe([other.Organization.Id, company.Organization.Id, club.Organization.Id]);
        Ids(await ListAsync($"territory={territory}&name=FIGEAC_n")).ShouldBe([company.Organization.Id]);
        Ids(await ListAsync($"territory={territory}&name=causse")).ShouldBeEmpty("a renamed organization is found by its current name");
        Ids(await ListAsync($"territory={territory}&name=100%25")).ShouldBe([club.Organization.Id], "a % is a percent sign, not a wildcard");
        Ids(await ListAsync($"territory={territory}&name=_")).ShouldBe([company.Organization.Id], "an _ is an underscore, not a wildcard");
        Ids(await ListAsync($"territory={territory}&kind=company&name=scierie&siret={company.Organization.Siret}")).ShouldBe([company.Organization.Id]);
        Ids(await ListAsync($"territory={NewTerritory()}")).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_club_is_listed_with_its_members_as_getOrganization_shows_it_to_the_operator()
    {
        var territory = NewTerritory();
        var club = await api.RegisterAsync(OrganizationKind.Club, territory);
        var member = await api.RegisterMemberAsync(club, territory);
        var admitted = await club.Client.PostAsJsonAsync($"/v1/clubs/{club.Id}/members", new AdmitMemberRequest((await api.RegisterAsync(OrganizationKind.Company, territory)).Id), ApiFixture.JsonOptions);
        admitted.StatusCode.ShouldBe(HttpStatusCode.OK, await admitted.Content.ReadAsStringAsync());

        var listed = (await ListAsync($"territory={territory}&kind=club&minPosition={admitted.Headers.GetValues(Writes.PositionHeader).Single()}")).Data.ShouldHaveSingleItem();

        var read = (await api.Operator.GetFromJsonAsync<OrganizationResponse>($"/v1/organizations/{club.Id}", ApiFixture.JsonOptions))!;
        listed.Members!.Count.ShouldBe(2);
        listed.Members.ShouldContain(member.Id);
        Shown(listed).ShouldBe(Shown(read));
        (await ListAsync($"territory={territory}&kind=company")).Data.ShouldAllBe(company => company.Members == null);
    }

    [Fact]
    public async Task Organizations_kept_before_migration_36_are_listed_with_their_siret_newest_registered_first()
    {
        var territory = NewTerritory();
        var club = await RegisterAsync(OrganizationKind.Club, territory, "Club d'avant");
        var company = await RegisterAsync(OrganizationKind.Company, territory, "Scierie d'avant");
        var listed = await ListAsync($"territory={territory}&minPosition={company.Position}");

        // As on a database that had not had it yet.
        await api.ExecuteAsync("alter table rm_insights_organizations drop column siret, drop column registered_at");
        await api.ExecuteAsync("delete from schema_migrations where component = 'api' and version = 36");
        await SchemaMigration.ApplyAsync(api.Service<EventStore.EventStore>(), CancellationToken.None);

        var migrated = await ListAsync($"territory={territory}");
        migrated.Data.Select(Shown).ShouldBe(listed.Data.Select(Shown));
        Ids(migrated).ShouldBe([company.Organization.Id, club.Organization.Id]);
        Ids(await ListAsync($"siret={company.Organization.Siret}")).ShouldBe([company.Organization.Id]);
        (await api.CountAsync("""
            select count(*) from rm_insights_organizations o join es_events e on e.stream_id = 'organization-' || o.organization_id
            where e.event_type = 'organization.registered' and o.organization_id = any($1) and o.registered_at = (e.data->>'registeredAt')::timestamptz
            """, (object)new[] { club.Organization.Id, company.Organization.Id })).ShouldBe(2, "each registered when its event says, as a rebuild would");
    }

    [Theory]
    [InlineData(OrganizationKind.Company)]
    [InlineData(OrganizationKind.Club)]
    [InlineData(OrganizationKind.Provider)]
    [InlineData(OrganizationKind.Partner)]
    public async Task Only_the_operator_lists_organizations(OrganizationKind kind)
    {
        var caller = await api.RegisterAsync(kind);

        var problem = await (await caller.Client.GetAsync("/v1/organizations")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");

        problem.GetProperty("detail").GetString()!.ShouldEndWith("keys of these kinds only: operator.");
    }

    [Theory]
    [InlineData("kind=operators", "kind")]
    [InlineData("territory=Grand%20Figeac", "territory")]
    [InlineData("siret=12345678901234", "siret")]
    [InlineData("siret=123", "siret")]
    [InlineData("limit=0", "limit")]
    [InlineData("after=nope", "after")]
    public async Task A_bad_filter_is_a_400_naming_it(string query, string field)
    {
        var problem = await (await api.Operator.GetAsync($"/v1/organizations?{query}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }
}
