using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Territories;

/// <summary>POST /v1/needs: a need is recorded only where a club or a partner would see it, judged on their registrations as acknowledged.</summary>
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
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await (await RecordAsync(company.Client, territory)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");

        await api.RegisterAsync(kind, territory);
        var recorded = await RecordAsync(company.Client, territory);

        recorded.StatusCode.ShouldBe(HttpStatusCode.Created, await recorded.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_club_covers_its_territory_from_its_registration_on_whatever_the_read_models_lag()
    {
        var territory = Unique("held");
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await (await RecordAsync(company.Client, territory)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_covered");

        await using var connection = new NpgsqlConnection(api.ConnectionString);
        // The insights shard's writes, and its checkpoint with them, wait for this lock: the read models lag.
        await connection.OpenAsync();
        await using var holding = await connection.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("lock table rm_insights_organizations, rm_insights_offers in exclusive mode", connection, holding))
            await hold.ExecuteNonQueryAsync();
        await api.RegisterAsync(OrganizationKind.Club, territory);

        var recorded = await RecordAsync(company.Client, territory);

        recorded.StatusCode.ShouldBe(HttpStatusCode.Created, await recorded.Content.ReadAsStringAsync());
        await holding.RollbackAsync();
    }

    [Fact]
    public async Task Clubs_and_partners_registered_before_the_rule_claim_their_territories_from_their_events()
    {
        var territory = Unique("before");
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await api.RegisterAsync(OrganizationKind.Partner, territory);

        // As on a database that had not had migration 33 yet.
        await api.ExecuteAsync("drop table covered_territories");
        await api.ExecuteAsync("delete from schema_migrations where component = 'api' and version = 33");
        await SchemaMigration.ApplyAsync(api.Service<EventStore.EventStore>(), CancellationToken.None);

        var recorded = await RecordAsync(company.Client, territory);
        recorded.StatusCode.ShouldBe(HttpStatusCode.Created, await recorded.Content.ReadAsStringAsync());
        (await api.CountAsync("select count(*) from covered_territories where territory = $1", territory)).ShouldBe(1);
    }
}
