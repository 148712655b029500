using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Security;

/// <summary>lastUsedAt: noted in memory on each node, written when the node flushes (every minute, and at shutdown), never backwards.</summary>
public sealed class ApiKeyLastUseHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_key_shows_no_last_use_until_a_request_authenticated_with_it_is_flushed_then_that_minute()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var issued = await company.IssueKeyAsync();
        var before = DateTimeOffset.UtcNow;

        (await LastUseAsync(company, issued.Id)).ShouldBeNull();
        var unused = await company.Client.GetAsync($"/v1/organizations/{company.Id}/api-keys/{issued.Id}");
        (await api.ClientWithKey(issued.Key).GetAsync("/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await LastUseAsync(company, issued.Id)).ShouldBeNull("not written on the request path");
        (await api.Service<ApiKeyUses>().FlushAsync(CancellationToken.None)).ShouldBeGreaterThan(0);

        var lastUsedAt = (await LastUseAsync(company, issued.Id)).ShouldNotBeNull();
        lastUsedAt.ShouldBe(new DateTimeOffset(lastUsedAt.Year, lastUsedAt.Month, lastUsedAt.Day, lastUsedAt.Hour, lastUsedAt.Minute, 0, TimeSpan.Zero), "to the minute");
        lastUsedAt.ShouldBeInRange(before.AddMinutes(-1), DateTimeOffset.UtcNow);
        var read = new HttpRequestMessage(HttpMethod.Get, $"/v1/organizations/{company.Id}/api-keys/{issued.Id}");
        read.Headers.IfNoneMatch.Add(unused.Headers.ETag!);
        var polled = await company.Client.SendAsync(read);
        polled.StatusCode.ShouldBe(HttpStatusCode.OK, "the organization's version did not move, its key's last use did");
        (await polled.Content.ReadFromJsonAsync<ApiKeyResponse>(ApiFixture.JsonOptions))!.LastUsedAt.ShouldBe(lastUsedAt);
    }

    [Fact]
    public async Task A_later_use_flushed_first_is_not_overwritten_by_an_earlier_one_flushed_after()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var issued = await company.IssueKeyAsync();
        var later = new DateTimeOffset(2099, 1, 2, 3, 4, 5, TimeSpan.Zero);
        await using var aheadNode = api.WithClock(new FakeClock(later));

        (await aheadNode.ClientFor(company with { Client = api.ClientWithKey(issued.Key) }).GetAsync("/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await aheadNode.Service<ApiKeyUses>().FlushAsync(CancellationToken.None);
        (await api.ClientWithKey(issued.Key).GetAsync("/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.Service<ApiKeyUses>().FlushAsync(CancellationToken.None);

        (await LastUseAsync(company, issued.Id)).ShouldBe(new DateTimeOffset(2099, 1, 2, 3, 4, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task A_node_that_stops_writes_the_uses_it_noted()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var issued = await company.IssueKeyAsync();
        var node = api.WithClock(new FakeClock(new DateTimeOffset(2099, 1, 2, 3, 4, 5, TimeSpan.Zero)));

        (await node.ClientFor(company with { Client = api.ClientWithKey(issued.Key) }).GetAsync("/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await node.DisposeAsync();

        (await LastUseAsync(company, issued.Id)).ShouldBe(new DateTimeOffset(2099, 1, 2, 3, 4, 0, TimeSpan.Zero));
    }

    [Fact]
    public async Task Another_organization_sees_neither_the_key_nor_its_last_use_and_its_own_keys_do_not_take_it()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var other = await api.RegisterAsync(OrganizationKind.Company);
        var issued = await company.IssueKeyAsync();
        var unused = await other.IssueKeyAsync();

        (await api.ClientWithKey(issued.Key).GetAsync("/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await api.Service<ApiKeyUses>().FlushAsync(CancellationToken.None);

        (await LastUseAsync(company, issued.Id)).ShouldNotBeNull();
        var theirs = (await other.Client.GetFromJsonAsync<Page<ApiKeyResponse>>($"/v1/organizations/{other.Id}/api-keys", ApiFixture.JsonOptions))!;
        theirs.Data.Select(key => key.Id).ShouldNotContain(issued.Id);
        theirs.Data.Single(key => key.Id == unused.Id).LastUsedAt.ShouldBeNull();
        (await other.Client.GetAsync($"/v1/organizations/{company.Id}/api-keys/{issued.Id}")).IsSuccessStatusCode.ShouldBeFalse();
        (await other.Client.GetAsync($"/v1/organizations/{other.Id}/api-keys/{issued.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private static async Task<DateTimeOffset?> LastUseAsync(Actor organization, string keyId)
    {
        var page = (await organization.Client.GetFromJsonAsync<Page<ApiKeyResponse>>($"/v1/organizations/{organization.Id}/api-keys", ApiFixture.JsonOptions))!;
        return page.Data.Single(key => key.Id == keyId).LastUsedAt;
    }
}
