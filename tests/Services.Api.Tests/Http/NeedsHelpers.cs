using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Needs;

namespace Services.Api.Tests.Http;

/// <summary>Needs recorded and acted on through the API, for tests of any area.</summary>
public static class NeedsHelpers
{
    /// <summary>A valid need; a company records for itself unless <paramref name="companyId"/> is given (the operator must give it).</summary>
    public static RecordNeedRequest NeedRequest(
        Category category = Category.Mobility,
        string territory = "grand-figeac",
        int headcount = 6,
        string? companyId = null) =>
        new(category, territory, headcount, "Staff without a car cannot reach the park before 8.", "weekdays 7:30–8:00", companyId);

    /// <summary>Registers a partner in <paramref name="territory"/>: a need is recorded only where a club or a partner would see it.</summary>
    public static Task<Actor> CoverTerritoryAsync(this ApiFixture api, string territory = "grand-figeac") =>
        api.RegisterAsync(OrganizationKind.Partner, territory);

    /// <summary>Records a need of <paramref name="company"/> with its own key (201 asserted).</summary>
    public static async Task<NeedResponse> RecordNeedAsync(
        this ApiFixture api,
        Actor company,
        Category category = Category.Mobility,
        string territory = "grand-figeac",
        int headcount = 6)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(company);
        var recorded = await company.Client.PostAsJsonAsync("/v1/needs", NeedRequest(category, territory, headcount), ApiFixture.JsonOptions);
        recorded.StatusCode.ShouldBe(HttpStatusCode.Created, await recorded.Content.ReadAsStringAsync());
        return (await recorded.Content.ReadFromJsonAsync<NeedResponse>(ApiFixture.JsonOptions))!;
    }

    /// <summary>POSTs an action on a need (acknowledge, address, withdraw), with an optional body and If-Match version.</summary>
    public static Task<HttpResponseMessage> NeedActionAsync(this HttpClient client, string needId, string action, object? body = null, long? ifMatch = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/needs/{needId}/{action}");
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: ApiFixture.JsonOptions);
        if (ifMatch is { } version) request.Headers.IfMatch.Add(new EntityTagHeaderValue($"\"{version}\""));
        return client.SendAsync(request);
    }
}
