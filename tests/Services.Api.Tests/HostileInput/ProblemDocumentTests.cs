using System.Buffers.Text;
using System.Net;
using System.Text;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.HostileInput;

/// <summary>Answers the hostile-input fuzzer (ops/Services.Hostile) once found broken: each must stay a problem document.</summary>
public sealed class ProblemDocumentTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    public async Task A_refusal_is_a_problem_document_whatever_the_request_accepts(string accept)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        using var forbidden = new HttpRequestMessage(HttpMethod.Get, "/v1/admin/projections");
        forbidden.Headers.TryAddWithoutValidation("Accept", accept);
        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "/v1/offers");
        anonymous.Headers.TryAddWithoutValidation("Accept", accept);

        await (await club.Client.SendAsync(forbidden)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await api.Anonymous().SendAsync(anonymous)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Theory]
    [InlineData("/v1/offers")]
    [InlineData("/v1/bookings")]
    [InlineData("/v1/needs")]
    [InlineData("/v1/webhooks")]
    public async Task A_crafted_cursor_is_refused_naming_after(string list)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        foreach (var raw in new[] { "900000000000000000:x", "1:\0", "1:a\u0001b" })
        {
            var after = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(raw));
            await (await company.Client.GetAsync($"{list}?after={after}")).ShouldBeInvalidAsync("after");
        }
    }

    [Theory]
    [InlineData("/v1/demand?to=9999-12-31", "to")]
    [InlineData("/v1/demand?from=0001-01-01", "from")]
    [InlineData("/v1/indicators?territory=grand-figeac&month=9999-12", "month")]
    [InlineData("/v1/indicators?territory=grand-figeac&quarter=9999-Q4", "quarter")]
    [InlineData("/v1/indicators?territory=grand-figeac&month=0001-01", "month")]
    public async Task Periods_at_the_ends_of_the_calendar_are_refused_naming_the_field(string path, string field) =>
        await (await api.Operator.GetAsync(path)).ShouldBeInvalidAsync(field);

    [Theory]
    [InlineData("/v1/demand?from=2026-11-30T00:00:00Z", "from", "A day, YYYY-MM-DD (e.g. 2026-11-23).")]
    [InlineData("/v1/offers?from=tomorrow", "from", UtcInstantConverter.OffsetRequired)]
    [InlineData("/v1/offers?limit=twenty", "limit", "An integer.")]
    public async Task A_query_value_of_the_wrong_kind_is_answered_with_what_the_parameter_takes(string path, string field, string expected) =>
        (await (await api.Operator.GetAsync(path)).ShouldBeInvalidAsync(field)).GetProperty("errors").GetProperty(field)[0].GetString().ShouldBe(expected);

    [Theory]
    [InlineData("/v1/offers?from=2026-12-01T00:00:00+01:00", "from")]
    [InlineData("/v1/offers?to=2026-12-01T08:30:00.250+0100", "to")]
    public async Task An_offset_whose_plus_arrived_as_a_space_is_refused_saying_to_encode_it(string path, string field)
    {
        var problem = await (await api.Operator.GetAsync(path)).ShouldBeInvalidAsync(field);

        problem.GetProperty("errors").GetProperty(field)[0].GetString().ShouldBe(
            UtcInstantConverter.OffsetRequired + " Its '+' arrived as a space: in a query string, encode it as %2B (2026-11-23T08:30:00%2B01:00), or give the instant in UTC with Z.");
    }

    [Fact]
    public async Task A_query_parameter_given_twice_is_refused_as_such() =>
        (await (await api.Operator.GetAsync("/v1/offers?limit=1&limit=2")).ShouldBeInvalidAsync("limit")).GetProperty("errors").GetProperty("limit")[0].GetString()
            .ShouldBe("Give this parameter once.");

    [Theory]
    [InlineData("/v1/bookings", """{"subscriptionId":"sub_x","slotId":"slt_x","quantity":"1","beneficiaryRef":"EMP-1"}""", "quantity", "An integer within range, as a JSON number (2, not \"2\").")]
    [InlineData("/v1/bookings", """{"subscriptionId":"sub_x","slotId":"slt_x","quantity":99999999999,"beneficiaryRef":"EMP-1"}""", "quantity", "An integer within range, as a JSON number (2, not \"2\").")]
    [InlineData("/v1/subscriptions", """{"offerId":"off_x","monthlyQuota":1,"startsOn":"01/12/2026"}""", "startsOn", "A day, YYYY-MM-DD (e.g. 2026-11-23).")]
    [InlineData("/v1/needs", """{"category":"childcare","territory":["grand-figeac"],"headcount":2,"description":"x"}""", "territory", "A string.")]
    [InlineData("/v1/offers", """{"category":"mobility","title":"t","description":"d","territories":"grand-figeac","timeZone":"Europe/Paris","monthlyFee":{"amount":1,"currency":"EUR"}}""", "territories", "An array.")]
    [InlineData("/v1/offers", """{"category":"mobility","title":"t","description":"d","territories":["grand-figeac"],"timeZone":"Europe/Paris","monthlyFee":12}""", "monthlyFee", "An object: see this field in the API document (/openapi/v1.json).")]
    public async Task A_body_field_of_the_wrong_kind_is_answered_with_what_the_field_takes(string path, string body, string field, string expected) =>
        (await (await api.Operator.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"))).ShouldBeInvalidAsync(field))
            .GetProperty("errors").GetProperty(field)[0].GetString().ShouldBe(expected);

    [Fact]
    public async Task An_unknown_body_field_is_answered_with_the_fields_the_object_takes() =>
        (await (await api.Operator.PostAsync("/v1/bookings/bkg_x/attendance", new StringContent("""{"attendance":"attended"}""", Encoding.UTF8, "application/json")))
            .ShouldBeInvalidAsync("attendance")).GetProperty("errors").GetProperty("attendance")[0].GetString().ShouldBe("Unknown field; this object takes: outcome.");

    [Fact]
    public async Task A_field_given_twice_is_refused_naming_it_rather_than_the_last_one_winning()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var body = """{"category":"childcare","category":"mobility","territory":"grand-figeac","headcount":2,"description":"x"}""";

        var problem = await (await company.Client.PostAsync("/v1/needs", new StringContent(body, Encoding.UTF8, "application/json"))).ShouldBeInvalidAsync("category");

        problem.GetProperty("errors").GetProperty("category")[0].GetString().ShouldBe("This field is given more than once.");
    }

    [Fact]
    public async Task A_usage_statement_of_year_9999_is_refused_naming_month()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await (await company.Client.GetAsync($"/v1/companies/{company.Id}/usage?month=9999-12")).ShouldBeInvalidAsync("month");
    }

    /// <summary>Answered by the exception handler, outside the endpoint: the contract check judges them against their operation too.</summary>
    [Theory]
    [InlineData("text/plain", "{}", HttpStatusCode.UnsupportedMediaType, "unsupported_media_type")]
    [InlineData("application/json", "{\"quantity\": ", HttpStatusCode.BadRequest, "invalid_request")]
    public async Task A_body_that_is_not_json_is_refused_with_a_problem_its_operation_declares(string mediaType, string body, HttpStatusCode status, string code)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        using var content = new StringContent(body, System.Text.Encoding.UTF8, mediaType);
        await (await company.Client.PostAsync("/v1/bookings", content)).ShouldBeProblemAsync(status, code);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{\"quantity\": ")]
    [InlineData("{\"slotId\": \"slt_1\",}")]
    public async Task A_body_that_is_not_json_is_named_malformed_not_a_missing_or_unknown_field(string body)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        var problem = await (await company.Client.PostAsync("/v1/bookings", content)).ShouldBeInvalidAsync("body");

        var errors = problem.GetProperty("errors");
        var message = errors.EnumerateObject().ShouldHaveSingleItem().Value[0].GetString()!;
        message.ShouldStartWith("Malformed JSON (line 1, byte ");
        message.ShouldNotContain("LineNumber");
    }

    /// <summary>Written by the framework (routing chose no operation): typed as ours are, so that a client can branch on every problem's type.</summary>
    [Theory]
    [InlineData("GET", "/v1/no-such-thing", HttpStatusCode.NotFound, "not_found")]
    [InlineData("DELETE", "/v1/bookings", HttpStatusCode.MethodNotAllowed, "method_not_allowed")]
    public async Task A_path_or_method_the_api_does_not_have_answers_a_problem_of_our_types(string method, string path, HttpStatusCode status, string code)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        var problem = await (await company.Client.SendAsync(request)).ShouldBeProblemAsync(status, code);
        problem.GetProperty("detail").GetString().ShouldNotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("/v1/needs")]
    [InlineData("/v1/bookings")]
    [InlineData("/v1/webhooks")]
    public async Task A_change_without_a_body_is_refused_naming_body(string path)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await (await company.Client.PostAsync(path, null)).ShouldBeInvalidAsync("body");
    }

    [Theory]
    [InlineData("/v1/bookings?from=2099-01-01T09:00:00", "from")]
    [InlineData("/v1/offers?to=2099-01-01T09:00:00", "to")]
    [InlineData("/v1/offers/{offer}/availability?from=2099-01-01", "from")]
    public async Task An_instant_in_the_query_without_its_offset_is_refused_naming_the_parameter(string path, string field)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        await (await club.Client.GetAsync(path.Replace("{offer}", offer.Id, StringComparison.Ordinal))).ShouldBeInvalidAsync(field);
        (await club.Client.GetAsync(path.Replace("{offer}", offer.Id, StringComparison.Ordinal).Split('=')[0] + "=2099-01-01T09:00:00Z")).StatusCode.ShouldNotBe(HttpStatusCode.BadRequest);
    }
}
