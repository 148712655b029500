using System.Net;
using Services.Api.Common;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.HostileInput;

/// <summary>A query parameter an operation does not take is refused, not ignored (as unknown body fields are).</summary>
public sealed class UnknownQueryParameterTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("/v1/bookings?limit=5&afer=MTox", "afer")]
    [InlineData("/v1/bookings?offer_id=off_x", "offer_id")]
    [InlineData("/v1/events?cursor=abc", "cursor")]
    [InlineData("/v1/offers?territory=grand-figeac&q=childcare", "q")]
    [InlineData("/v1/webhooks?_=1700000000", "_")]
    public async Task A_list_refuses_a_parameter_it_does_not_take_naming_it(string path, string parameter)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var refused = await company.Client.GetAsync(path);

        await refused.ShouldBeInvalidAsync(parameter);
        (await refused.Content.ReadAsStringAsync()).ShouldContain("it takes");
    }

    [Fact]
    public async Task Route_values_and_changes_are_held_to_the_parameters_they_take()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        await (await company.Client.GetAsync($"/v1/organizations/{company.Id}?id={company.Id}")).ShouldBeInvalidAsync("id");
        await (await company.Client.PostAsync("/v1/bookings/bkg_01m85nvc06c8xy8h2826zhnp/cancel?reason=moved", null)).ShouldBeInvalidAsync("reason");
    }

    [Fact]
    public async Task The_parameters_an_operation_takes_pass_in_any_case_and_a_caller_without_a_key_still_hears_401()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        (await company.Client.GetAsync("/v1/bookings?Limit=5")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await company.Client.GetAsync("/v1/events?limit=5")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await api.Anonymous().GetAsync("/v1/bookings?afer=x")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
