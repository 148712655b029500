using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Security;

/// <summary>A key of access read reads everything its organization may read and changes nothing.</summary>
public sealed partial class ReadOnlyKeysHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_read_key_reads_but_its_booking_is_refused_and_nothing_is_written()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterMemberAsync(club);
        var offer = await api.PublishOfferAsync(club);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var (keyId, reader) = await api.IssueReadKeyAsync(company);

        (await reader.Client.GetFromJsonAsync<CallerResponse>("/v1/me", ApiFixture.JsonOptions))!.Access.ShouldBe(ApiKeyAccess.Read);
        (await reader.Client.GetAsync($"/v1/subscriptions/{subscription.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var events = await api.CountAsync("select count(*) from es_events");
        var refused = await reader.PostBookingAsync(subscription.Id, slot.Id);

        api.Service<ApiKeyCache>().TryGet(keyId, out var kept).ShouldBeTrue("the booking was refused by the key the node keeps");
        kept.Caller.Access.ShouldBe(ApiKeyAccess.Read);
        var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ReadOnlyKeys.Code);
        problem.GetProperty("detail").GetString()!.ShouldContain("full access");
        (await api.CountAsync("select count(*) from es_events")).ShouldBe(events);
        (await company.PostBookingAsync(subscription.Id, slot.Id)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var listed = (await company.Client.GetFromJsonAsync<Page<ApiKeyResponse>>($"/v1/organizations/{company.Id}/api-keys", ApiFixture.JsonOptions))!;
        listed.Data.ToDictionary(key => key.Id, key => key.Access).ShouldBe(new Dictionary<string, ApiKeyAccess>
        {
            [keyId] = ApiKeyAccess.Read,
            [listed.Data.Single(key => key.Id != keyId).Id] = ApiKeyAccess.Full,
        });
        (await reader.Client.GetFromJsonAsync<ApiKeyResponse>($"/v1/organizations/{company.Id}/api-keys/{keyId}", ApiFixture.JsonOptions))!.Access.ShouldBe(ApiKeyAccess.Read);
    }

    [Fact]
    public async Task Every_change_of_every_mapped_endpoint_is_refused_to_a_read_key_before_it_runs()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var (_, reader) = await api.IssueReadKeyAsync(club);
        var changes = api.Service<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])
                .Where(method => !HttpMethods.IsGet(method) && !HttpMethods.IsHead(method))
                .Select(method => (Method: method, Path: RouteParameter().Replace(endpoint.RoutePattern.RawText!, club.Id))))
            .ToList();
        var events = await api.CountAsync("select count(*) from es_events");
        var keys = await api.CountAsync("select count(*) from idempotency_keys");

        foreach (var (method, path) in changes)
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) };
            request.Headers.Add(Services.Api.Infrastructure.Idempotency.Header, Guid.NewGuid().ToString());
            var answer = await reader.Client.SendAsync(request);
            answer.StatusCode.ShouldBe(HttpStatusCode.Forbidden, $"{method} {path}");
            await answer.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ReadOnlyKeys.Code);
        }

        using var contract = JsonDocument.Parse(await File.ReadAllTextAsync(Contract.DocumentPath()));
        changes.Count.ShouldBeGreaterThanOrEqualTo(contract.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()).Count(operation => operation.Name is "post" or "put" or "patch" or "delete"));
        changes.ShouldContain(("POST", $"/v1/organizations/{club.Id}/api-keys"));
        changes.ShouldContain(("DELETE", $"/v1/organizations/{club.Id}/api-keys/{club.Id}"));
        changes.ShouldContain(("POST", "/v1/webhooks/"));
        (await api.CountAsync("select count(*) from es_events")).ShouldBe(events);
        (await api.CountAsync("select count(*) from idempotency_keys")).ShouldBe(keys);
    }

    [Fact]
    public async Task A_read_key_never_gets_the_kept_answer_of_a_change_made_under_the_same_idempotency_key()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var (_, reader) = await api.IssueReadKeyAsync(company);
        var key = Guid.NewGuid().ToString();
        async Task<HttpResponseMessage> IssueAsync(Actor issuer)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/organizations/{company.Id}/api-keys")
            {
                Content = JsonContent.Create(new IssueApiKeyRequest("HR software"), options: ApiFixture.JsonOptions),
            };
            request.Headers.Add(Services.Api.Infrastructure.Idempotency.Header, key);
            return await issuer.Client.SendAsync(request);
        }

        (await IssueAsync(company)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var replay = await IssueAsync(reader);
        (await replay.ShouldBeProblemAsync(HttpStatusCode.Forbidden, ReadOnlyKeys.Code)).ToString().ShouldNotContain("svc_key_");
    }

    [Fact]
    public async Task A_key_is_full_unless_read_is_asked_and_another_access_is_refused_naming_it()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var issued = await company.Client.PostAsJsonAsync($"/v1/organizations/{company.Id}/api-keys", new { label = "HR software" });
        (await issued.Content.ReadFromJsonAsync<IssuedApiKeyResponse>(ApiFixture.JsonOptions))!.Access.ShouldBe(ApiKeyAccess.Full);
        await (await company.Client.PostAsJsonAsync($"/v1/organizations/{company.Id}/api-keys", new { label = "HR software", access = "write" })).ShouldBeInvalidAsync("access");
        await (await company.Client.PostAsJsonAsync($"/v1/organizations/{company.Id}/api-keys", new { label = "HR software", access = (string?)null })).ShouldBeInvalidAsync("access");
    }

    [GeneratedRegex(@"\{[^}]+\}")]
    private static partial Regex RouteParameter();
}
