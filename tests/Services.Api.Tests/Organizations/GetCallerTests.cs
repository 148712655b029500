using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Organizations;
using Services.Api.Security;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Organizations;

public sealed class GetCallerTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_key_tells_which_organization_and_key_it_acts_for()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club, territory: "grand-figeac", name: "Club du Grand-Figeac");
        var keys = (await club.Client.GetFromJsonAsync<Services.Api.ReadModels.Page<ApiKeyResponse>>($"/v1/organizations/{club.Id}/api-keys", ApiFixture.JsonOptions))!;

        var me = (await club.Client.GetFromJsonAsync<CallerResponse>("/v1/me", ApiFixture.JsonOptions))!;

        me.OrganizationId.ShouldBe(club.Id);
        me.Kind.ShouldBe(OrganizationKind.Club);
        me.Access.ShouldBe(ApiKeyAccess.Full);
        me.KeyId.ShouldBe(keys.Data.ShouldHaveSingleItem().Id);
        me.Organization.ShouldNotBeNull().ShouldSatisfyAllConditions(
            o => o.Id.ShouldBe(club.Id), o => o.Name.ShouldBe("Club du Grand-Figeac"), o => o.Territories.ShouldBe(["grand-figeac"]));
    }

    [Fact]
    public async Task The_operator_key_acts_for_no_organization_and_no_key_gets_401()
    {
        var me = (await api.Operator.GetFromJsonAsync<CallerResponse>("/v1/me", ApiFixture.JsonOptions))!;

        me.ShouldBe(new CallerResponse("operator", OrganizationKind.Operator, ApiKeyAccess.Full, null, null));
        (await api.Anonymous().GetAsync("/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
