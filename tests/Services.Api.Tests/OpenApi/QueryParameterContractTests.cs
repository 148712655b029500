using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Services.Api.Common;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;

namespace Services.Api.Tests.OpenApi;

/// <summary>
/// What the contract says a query parameter takes (its values, its range, its pattern) is what the
/// server takes: a generated client that checks the schema never refuses what the server accepts,
/// nor sends what it refuses.
/// </summary>
public sealed class QueryParameterContractTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Every_closed_set_range_and_pattern_of_a_query_parameter_is_what_the_server_takes()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterMemberAsync(club);
        var offer = await api.PublishOfferAsync(club);
        var partner = await api.RegisterAsync(OrganizationKind.Partner);
        var provider = await api.RegisterAsync(OrganizationKind.Provider);
        var webhook = await company.Client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest("https://hooks.example.com/services", ["booking.*"]), ApiFixture.JsonOptions);
        webhook.StatusCode.ShouldBe(HttpStatusCode.Created, await webhook.Content.ReadAsStringAsync());
        var webhookId = (await webhook.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!.Id;
        // Each operation with such a parameter, called by a caller it answers, with its required parameters.
        var calls = new Dictionary<string, (HttpClient Caller, HttpMethod Method, string Path)>(StringComparer.Ordinal)
        {
            ["listApiKeys"] = (company.Client, HttpMethod.Get, $"/v1/organizations/{company.Id}/api-keys"),
            ["listOffers"] = (company.Client, HttpMethod.Get, "/v1/offers"),
            ["getOfferAvailability"] = (company.Client, HttpMethod.Get, $"/v1/offers/{offer.Id}/availability"),
            ["listSubscriptions"] = (company.Client, HttpMethod.Get, "/v1/subscriptions"),
            ["listBookings"] = (company.Client, HttpMethod.Get, "/v1/bookings"),
            ["getDemand"] = (api.Operator, HttpMethod.Get, "/v1/demand"),
            ["getCompanyUsage"] = (api.Operator, HttpMethod.Get, $"/v1/companies/{company.Id}/usage?month=2026-03"),
            ["getClubUsage"] = (club.Client, HttpMethod.Get, $"/v1/clubs/{club.Id}/usage?month=2026-03"),
            ["getPartnerUsage"] = (partner.Client, HttpMethod.Get, $"/v1/partners/{partner.Id}/usage?month=2026-03"),
            ["getProviderDeliveries"] = (provider.Client, HttpMethod.Get, $"/v1/providers/{provider.Id}/deliveries?month=2026-03"),
            ["getClubDeliveries"] = (club.Client, HttpMethod.Get, $"/v1/clubs/{club.Id}/deliveries?month=2026-03"),
            ["listMemberships"] = (company.Client, HttpMethod.Get, $"/v1/companies/{company.Id}/memberships"),
            ["listMembers"] = (club.Client, HttpMethod.Get, $"/v1/clubs/{club.Id}/members"),
            ["getIndicators"] = (api.Operator, HttpMethod.Get, "/v1/indicators?territory=grand-figeac&month=2026-03"),
            ["listEvents"] = (company.Client, HttpMethod.Get, "/v1/events"),
            ["listNeeds"] = (company.Client, HttpMethod.Get, "/v1/needs"),
            ["listOrganizations"] = (api.Operator, HttpMethod.Get, "/v1/organizations"),
            ["listTerritories"] = (company.Client, HttpMethod.Get, "/v1/territories"),
            ["listWebhooks"] = (company.Client, HttpMethod.Get, "/v1/webhooks"),
            ["listWebhookDeliveries"] = (company.Client, HttpMethod.Get, $"/v1/webhooks/{webhookId}/deliveries"),
            ["eraseBeneficiary"] = (api.Operator, HttpMethod.Delete, $"/v1/beneficiaries/hr-contract?companyId={company.Id}"),
        };
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var checkedParameters = 0;

        foreach (var (operationId, parameters) in QueryParameters(document))
        {
            var constrained = parameters.Where(p => p.Schema.TryGetProperty("enum", out _) || p.Schema.TryGetProperty("maximum", out _) || p.Schema.TryGetProperty("pattern", out _)).ToList();
            if (constrained.Count == 0) continue;
            calls.ContainsKey(operationId).ShouldBeTrue($"{operationId} has a constrained query parameter: add a call of it to this test");
            var (caller, method, path) = calls[operationId];
            using (var call = new HttpRequestMessage(method, path)) (await caller.SendAsync(call)).IsSuccessStatusCode.ShouldBeTrue($"{operationId}: {path}");
            foreach (var (name, schema) in constrained)
            {
                async Task<HttpResponseMessage> ReadWith(string value)
                {
                    // Given alone: the query parameter it excludes (if any) and its own required value, if any, are dropped.
                    var query = path.Split('?') is [_, var q] ? q.Split('&').Where(p => p.Split('=')[0] != name && p.Split('=')[0] != Excludes.GetValueOrDefault(name)) : [];
                    using var call = new HttpRequestMessage(method, $"{path.Split('?')[0]}?{string.Join('&', query.Append($"{name}={Uri.EscapeDataString(value)}"))}");
                    return await caller.SendAsync(call);
                }

                if (schema.TryGetProperty("enum", out var values))
                {
                    foreach (var value in values.EnumerateArray().Select(v => v.GetString()!))
                        (await ReadWith(value)).StatusCode.ShouldBe(HttpStatusCode.OK, $"{operationId} {name}={value}");
                    await (await ReadWith("not_a_value")).ShouldBeInvalidAsync(name);
                }
                if (schema.TryGetProperty("maximum", out var maximum))
                {
                    var (least, most) = (schema.GetProperty("minimum").GetInt32(), maximum.GetInt32());
                    (await ReadWith(most.ToString(CultureInfo.InvariantCulture))).StatusCode.ShouldBe(HttpStatusCode.OK, $"{operationId} {name}={most}");
                    (await ReadWith(least.ToString(CultureInfo.InvariantCulture))).StatusCode.ShouldBe(HttpStatusCode.OK, $"{operationId} {name}={least}");
                    await (await ReadWith((most + 1).ToString(CultureInfo.InvariantCulture))).ShouldBeInvalidAsync(name);
                    await (await ReadWith((least - 1).ToString(CultureInfo.InvariantCulture))).ShouldBeInvalidAsync(name);
                }
                if (schema.TryGetProperty("pattern", out var pattern))
                {
                    const string Refused = "Not-A_value!";
                    System.Text.RegularExpressions.Regex.IsMatch(Refused, pattern.GetString()!).ShouldBeFalse();
                    await (await ReadWith(Refused)).ShouldBeInvalidAsync(name);
                    foreach (var taken in TakenAtTheEdges(name, pattern.GetString()!))
                    {
                        System.Text.RegularExpressions.Regex.IsMatch(taken, pattern.GetString()!).ShouldBeTrue($"{operationId} {name}: the pattern refuses {taken}, which the server takes");
                        (await ReadWith(taken)).StatusCode.ShouldNotBe(HttpStatusCode.BadRequest, $"{operationId} {name}={taken}");
                    }
                }
                checkedParameters++;
            }
        }
        checkedParameters.ShouldBeGreaterThan(20);
    }

    /// <summary>Query parameters that may not be given together: testing the first drops the second.</summary>
    private static readonly Dictionary<string, string> Excludes = new(StringComparer.Ordinal) { ["quarter"] = "month", ["month"] = "quarter" };

    /// <summary>Values the server takes at the edges of what it takes (shortest, longest, first and last years).</summary>
    private static string[] TakenAtTheEdges(string name, string pattern) => name switch
    {
        "territory" => ["g1", "a" + new string('-', 62) + "9"],
        "month" => ["2000-01", "2999-12"],
        "quarter" => ["2000-Q1", "2999-Q4"],
        "minPosition" => ["0.0", "1.1"], // behind every read model: answered at once
        "siret" => ["00000000000000", "73282932000074"],
        "beneficiaryRef" => ["7", "..a", "HR:emp_01-x." + new string('9', Services.Api.Bookings.Booking.MaxBeneficiaryRef - 12)],
        _ when name.EndsWith("Id", StringComparison.Ordinal) => [Ids.New(pattern[1..pattern.IndexOf('_', StringComparison.Ordinal)])],
        _ => throw new InvalidOperationException($"No values at the edges for {name}: add them here."),
    };

    private static IEnumerable<(string OperationId, List<(string Name, JsonElement Schema)> Parameters)> QueryParameters(JsonDocument document) =>
        from path in document.RootElement.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where operation.Name is "get" or "delete"
        select (operation.Value.GetProperty("operationId").GetString()!,
            operation.Value.TryGetProperty("parameters", out var parameters)
                ? parameters.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query")
                    .Select(p => (p.GetProperty("name").GetString()!, p.GetProperty("schema"))).ToList()
                : []);
}
