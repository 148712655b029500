using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Organizations;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Territories;

/// <summary>POST /v1/organizations: clubs and partners open territories; companies and providers join those a club or a partner opened.</summary>
public sealed class RegistrationTerritoryHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static string Unique(string stem) => $"{stem}-{Guid.NewGuid().ToString("N")[..8]}";

    private Task<HttpResponseMessage> RegisterAsync(OrganizationKind kind, params string[] territories) =>
        api.Operator.PostAsJsonAsync("/v1/organizations",
            new RegisterOrganizationRequest(kind, $"{kind} de test", territories, kind == OrganizationKind.Company ? Registrations.NextSiret() : null), ApiFixture.JsonOptions);

    [Theory]
    [InlineData(OrganizationKind.Company)]
    [InlineData(OrganizationKind.Provider)]
    public async Task A_company_or_provider_in_a_misspelt_territory_is_refused_naming_the_territory_meant(OrganizationKind kind)
    {
        var territory = Unique("grand-figeac");
        (await RegisterAsync(OrganizationKind.Club, territory)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var misspelt = territory[..^1];

        var problem = await (await RegisterAsync(kind, territory, misspelt)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");

        problem.GetProperty("territory").GetString().ShouldBe(misspelt);
        problem.GetProperty("coveredTerritories").EnumerateArray().Select(t => t.GetString()).ShouldContain(territory);
        problem.GetProperty("detail").GetString()!.ShouldContain("no club or partner to work with");
        (await api.CountAsync("select count(*) from es_events e, jsonb_array_elements_text(e.data->'territories') t where e.event_type = 'organization.registered' and t = $1", misspelt))
            .ShouldBe(0, "nothing registered there, so no territory listed by that name");
    }

    [Theory]
    [InlineData(OrganizationKind.Club)]
    [InlineData(OrganizationKind.Partner)]
    public async Task A_club_or_partner_opens_a_new_territory_that_companies_and_providers_then_join(OrganizationKind kind)
    {
        var territory = Unique("new");
        await (await RegisterAsync(OrganizationKind.Company, territory)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");

        (await RegisterAsync(kind, territory)).StatusCode.ShouldBe(HttpStatusCode.Created);

        (await RegisterAsync(OrganizationKind.Company, territory)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await RegisterAsync(OrganizationKind.Provider, territory)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }
}
