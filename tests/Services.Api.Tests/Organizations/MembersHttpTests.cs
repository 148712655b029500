using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Organizations;

/// <summary>A club's coordinator sees who its member companies are, by name; no one else lists them.</summary>
public sealed class MembersHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static async Task<string> AdmitAsync(Actor club, Actor company)
    {
        var answer = await club.Client.PostAsJsonAsync($"/v1/clubs/{club.Id}/members", new AdmitMemberRequest(company.Id), ApiFixture.JsonOptions);
        answer.IsSuccessStatusCode.ShouldBeTrue(await answer.Content.ReadAsStringAsync());
        return answer.Headers.GetValues(Writes.PositionHeader).Single();
    }

    private static async Task<Page<MemberResponse>> MembersAsync(HttpClient client, string clubId, string query = "")
    {
        var answer = await client.GetAsync($"/v1/clubs/{clubId}/members?{query}");
        answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        return (await answer.Content.ReadFromJsonAsync<Page<MemberResponse>>(ApiFixture.JsonOptions))!;
    }

    [Fact]
    public async Task A_club_lists_its_members_newest_admission_first_with_their_current_names()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var first = await api.RegisterAsync(OrganizationKind.Company, name: "Scierie du Célé");
        var second = await api.RegisterAsync(OrganizationKind.Company, name: "Laiterie de Figeac");
        await AdmitAsync(club, first);
        var admitted = await AdmitAsync(club, second);

        var members = await MembersAsync(club.Client, club.Id, $"minPosition={admitted}");

        members.Data.Select(m => (m.CompanyId, m.Name)).ShouldBe([(second.Id, "Laiterie de Figeac"), (first.Id, "Scierie du Célé")]);
        members.Data.ShouldAllBe(m => m.Siret != null && m.Siret.Length == 14);
        members.Next.ShouldBeNull();
        (await MembersAsync(api.Operator, club.Id)).Data.ShouldBe(members.Data);
        var firstPage = await MembersAsync(club.Client, club.Id, "limit=1");
        firstPage.Data.ShouldBe([members.Data[0]]);
        (await MembersAsync(club.Client, club.Id, $"limit=1&after={firstPage.Next}")).Data.ShouldBe([members.Data[1]]);

        (await first.Client.PatchAsJsonAsync($"/v1/organizations/{first.Id}", new RenameOrganizationRequest("Scierie du Célé SAS"), ApiFixture.JsonOptions)).EnsureSuccessStatusCode();
        (await MembersAsync(club.Client, club.Id)).Data.Single(m => m.CompanyId == first.Id).Name.ShouldBe("Scierie du Célé SAS");

        var removed = await club.Client.DeleteAsync($"/v1/clubs/{club.Id}/members/{second.Id}");
        removed.IsSuccessStatusCode.ShouldBeTrue(await removed.Content.ReadAsStringAsync());
        (await MembersAsync(club.Client, club.Id, $"minPosition={removed.Headers.GetValues(Writes.PositionHeader).Single()}")).Data
            .Select(m => m.CompanyId).ShouldBe([first.Id]);
    }

    [Fact]
    public async Task A_member_is_refused_another_organization_is_told_nothing_and_an_organization_that_is_no_club_is_not_found()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var member = await api.RegisterMemberAsync(club);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);
        var path = $"/v1/clubs/{club.Id}/members";

        await (await member.Client.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await otherClub.Client.GetAsync(path)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        foreach (var caller in new[] { club.Client, member.Client, api.Operator })
        {
            await (await caller.GetAsync($"/v1/clubs/{member.Id}/members")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
            await (await caller.GetAsync($"/v1/clubs/{Ids.New(Ids.Organization)}/members")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        }
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=twenty", "limit")]
    [InlineData("limit=1&limit=2", "limit")]
    [InlineData("after=bm9wZQ", "after")]
    [InlineData("minPosition=abc", "minPosition")]
    public async Task Invalid_queries_name_the_parameter(string query, string field)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        await (await club.Client.GetAsync($"/v1/clubs/{club.Id}/members?{query}")).ShouldBeInvalidAsync(field);
    }
}
