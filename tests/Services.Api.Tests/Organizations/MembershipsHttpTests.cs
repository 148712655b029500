using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Organizations;

/// <summary>A company learns which clubs it belongs to, and so whose offers it may subscribe to; no one else learns it.</summary>
public sealed class MembershipsHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static async Task<string> PositionOfAsync(Task<HttpResponseMessage> change)
    {
        var answer = await change;
        answer.IsSuccessStatusCode.ShouldBeTrue(await answer.Content.ReadAsStringAsync());
        return answer.Headers.GetValues(Writes.PositionHeader).Single();
    }

    private static Task<string> AdmitAsync(Actor club, Actor company) =>
        PositionOfAsync(club.Client.PostAsJsonAsync($"/v1/clubs/{club.Id}/members", new AdmitMemberRequest(company.Id), ApiFixture.JsonOptions));

    private static async Task<Page<MembershipResponse>> MembershipsAsync(HttpClient client, string companyId, string query)
    {
        var answer = await client.GetAsync($"/v1/companies/{companyId}/memberships?{query}");
        answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        return (await answer.Content.ReadFromJsonAsync<Page<MembershipResponse>>(ApiFixture.JsonOptions))!;
    }

    [Fact]
    public async Task A_company_lists_the_clubs_it_belongs_to_newest_admission_first_with_when_each_admitted_it()
    {
        var first = await api.RegisterAsync(OrganizationKind.Club);
        var second = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        await AdmitAsync(first, company);
        var admitted = await AdmitAsync(second, company);
        var after = DateTimeOffset.UtcNow.AddSeconds(1);

        var memberships = await MembershipsAsync(company.Client, company.Id, $"minPosition={admitted}");

        memberships.Data.Select(m => m.ClubId).ShouldBe([second.Id, first.Id]);
        memberships.Next.ShouldBeNull();
        foreach (var membership in memberships.Data) membership.Since.ShouldBeInRange(before, after);
        memberships.Data[0].Since.ShouldBeGreaterThanOrEqualTo(memberships.Data[1].Since);
        (await MembershipsAsync(api.Operator, company.Id, "")).Data.ShouldBe(memberships.Data);
        var firstPage = await MembershipsAsync(company.Client, company.Id, "limit=1");
        firstPage.Data.ShouldBe([memberships.Data[0]]);
        (await MembershipsAsync(company.Client, company.Id, $"limit=1&after={firstPage.Next}")).Data.ShouldBe([memberships.Data[1]]);
    }

    [Fact]
    public async Task A_club_that_removes_the_company_leaves_its_list_and_one_that_admits_it_again_comes_back_since_then()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var firstAdmission = (await MembershipsAsync(company.Client, company.Id, $"minPosition={await AdmitAsync(club, company)}")).Data.Single().Since;

        var removed = await PositionOfAsync(club.Client.DeleteAsync($"/v1/clubs/{club.Id}/members/{company.Id}"));
        (await MembershipsAsync(company.Client, company.Id, $"minPosition={removed}")).Data.ShouldBeEmpty();

        var again = (await MembershipsAsync(company.Client, company.Id, $"minPosition={await AdmitAsync(club, company)}")).Data.ShouldHaveSingleItem();
        again.ClubId.ShouldBe(club.Id);
        again.Since.ShouldBeGreaterThan(firstAdmission);
    }

    [Fact]
    public async Task Another_company_is_told_nothing_a_club_of_the_company_is_refused_and_an_organization_that_is_no_company_is_not_found()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var member = await api.RegisterMemberAsync(club);
        var stranger = await api.RegisterAsync(OrganizationKind.Company);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);
        var path = $"/v1/companies/{member.Id}/memberships";

        // As for a company that does not exist: whether it does, and where it belongs, is not another's to learn.
        var hidden = await (await stranger.Client.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        var unknown = await (await stranger.Client.GetAsync($"/v1/companies/{Ids.New(Ids.Organization)}/memberships")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        hidden.GetProperty("detail").GetString().ShouldBe(unknown.GetProperty("detail").GetString());
        await (await otherClub.Client.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        // Its club may know it exists (it reads it), not the other clubs it belongs to.
        await (await club.Client.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        // Only companies have memberships: a club (public as it is) is no company, whoever asks.
        foreach (var caller in new[] { club.Client, stranger.Client, otherClub.Client })
        {
            var notCompany = await (await caller.GetAsync($"/v1/companies/{club.Id}/memberships")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
            notCompany.GetProperty("detail").GetString().ShouldBe(unknown.GetProperty("detail").GetString());
        }
        await (await api.Operator.GetAsync($"/v1/companies/{club.Id}/memberships")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.Operator.GetAsync($"/v1/companies/{Ids.New(Ids.Organization)}/memberships")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_companys_memberships_are_found_by_its_index_not_among_every_clubs()
    {
        await using var connection = await api.Service<NpgsqlDataSource>().OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        // The test's table is small enough to read whole: forbidding that shows which index the read can use.
        await using (var noScan = new NpgsqlCommand("set local enable_seqscan = off", connection, transaction)) await noScan.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand($"""
            explain (costs off) select club_id, admitted_at from {InsightsProjection.Prefix}_memberships
            where company_id = 'org_someone' and removed_at is null order by admitted_at desc, club_id desc limit 21
            """, connection, transaction);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        }
        string.Join("\n", plan).ShouldContain($"{InsightsProjection.Prefix}_memberships_company");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=twenty", "limit")]
    [InlineData("after=bm9wZQ", "after")]
    [InlineData("minPosition=abc", "minPosition")]
    public async Task Invalid_queries_name_the_parameter(string query, string field)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await (await company.Client.GetAsync($"/v1/companies/{company.Id}/memberships?{query}")).ShouldBeInvalidAsync(field);
    }
}
