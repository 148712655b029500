using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Services.Api.Common;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Territories;

/// <summary>POST /v1/needs: a need is recorded only where a club or a partner would see it, judged on data as fresh as the write before.</summary>
public sealed class NeedTerritoryHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static string Unique(string stem) => $"{stem}-{Guid.NewGuid().ToString("N")[..8]}";

    private static Task<HttpResponseMessage> RecordAsync(HttpClient client, string territory, string? companyId = null) =>
        client.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(territory: territory, companyId: companyId), ApiFixture.JsonOptions);

    [Fact]
    public async Task A_need_in_a_misspelt_territory_is_refused_naming_the_territory_meant()
    {
        await api.RegisterAsync(OrganizationKind.Club, "grand-figeac");
        var company = await api.RegisterAsync(OrganizationKind.Company, "grand-figeac");

        var problem = await (await RecordAsync(company.Client, "grand-figea")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");

        problem.GetProperty("territory").GetString().ShouldBe("grand-figea");
        problem.GetProperty("coveredTerritories").EnumerateArray().Select(t => t.GetString()).ShouldContain("grand-figeac");
        var detail = problem.GetProperty("detail").GetString()!;
        detail.ShouldContain("'grand-figea'");
        detail.ShouldContain("grand-figeac");
        (await api.CountAsync("select count(*) from es_events where event_type = 'need.recorded' and data->>'territory' = $1", "grand-figea")).ShouldBe(0);
    }

    [Fact]
    public async Task The_operator_is_refused_too()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        await (await RecordAsync(api.Operator, Unique("nowhere"), company.Id)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");
    }

    [Theory]
    [InlineData(OrganizationKind.Club)]
    [InlineData(OrganizationKind.Partner)]
    public async Task A_club_or_partner_registered_a_moment_ago_covers_its_territory_at_once(OrganizationKind kind)
    {
        var territory = Unique("new");
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        await api.RegisterAsync(OrganizationKind.Provider, territory);
        await (await RecordAsync(company.Client, territory)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");

        await api.RegisterAsync(kind, territory);
        var recorded = await RecordAsync(company.Client, territory);

        recorded.StatusCode.ShouldBe(HttpStatusCode.Created, await recorded.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_need_is_not_refused_while_the_read_model_lags_behind_a_registration_it_waits_for()
    {
        var territory = Unique("held");
        var company = await api.RegisterAsync(OrganizationKind.Company, territory);
        await (await RecordAsync(company.Client, territory)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");

        await using (var connection = new NpgsqlConnection(api.ConnectionString))
        {
            // Reads pass the lock; the insights shard's writes wait for it, and its checkpoint with them.
            await connection.OpenAsync();
            await using var holding = await connection.BeginTransactionAsync();
            await using (var hold = new NpgsqlCommand("lock table rm_insights_organizations, rm_insights_offers in exclusive mode", connection, holding))
                await hold.ExecuteNonQueryAsync();
            await api.RegisterAsync(OrganizationKind.Club, territory);

            await (await RecordAsync(company.Client, territory)).ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "read_model_lagging");
            await holding.RollbackAsync();
        }

        var recorded = await RecordAsync(company.Client, territory);
        recorded.StatusCode.ShouldBe(HttpStatusCode.Created, await recorded.Content.ReadAsStringAsync());
    }
}
