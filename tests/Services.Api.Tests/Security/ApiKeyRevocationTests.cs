using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Services.Api.Common;
using Services.Api.Organizations;
using Services.Api.Security;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Security;

/// <summary>
/// Keys are cached on every node; a second node runs on the fixture's database with a cache lifetime
/// of an hour, so that only a revocation it hears (or a reconnection) can make it refuse a cached key.
/// </summary>
public sealed class ApiKeyRevocationTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_key_revoked_on_one_node_is_refused_at_once_by_another_that_had_it_cached()
    {
        await using var other = await ListeningNodeAsync();
        var (club, issued, onOther) = await KeyCachedOnAsync(other, OrganizationKind.Club);

        (await club.Client.DeleteAsync($"/v1/organizations/{club.Id}/api-keys/{issued.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        // At once: the revocation's NOTIFY reaches the other node in milliseconds (10 s leaves room for a loaded machine); the key's cache lifetime is an hour.
        await Eventually.WaitUntilAsync(async () => (await onOther.GetAsync($"/v1/organizations/{club.Id}")).StatusCode == HttpStatusCode.Unauthorized,
            "the other node refuses the revoked key", TimeSpan.FromSeconds(10));
        Keys(other).TryGet(issued.Id, out _).ShouldBeFalse();
        (await Client(other, club.Client.DefaultRequestHeaders.Authorization!.Parameter!).GetAsync($"/v1/organizations/{club.Id}"))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_cached_key_answers_without_the_database_until_the_node_reconnects_to_hear_revocations()
    {
        await using var other = await ListeningNodeAsync();
        var (company, issued, onOther) = await KeyCachedOnAsync(other, OrganizationKind.Company);

        // Revoked behind every node's back: no NOTIFY, as when a node's listening connection was down.
        (await api.CountAsync("with revoked as (update api_keys set revoked_at = now() where key_id = $1 returning 1) select count(*) from revoked", issued.Id)).ShouldBe(1);
        (await onOther.GetAsync($"/v1/organizations/{company.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await api.CountAsync("select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and application_name = $1",
            ApiKeyRevocationListener.ApplicationName)).ShouldBeGreaterThan(0);

        await Eventually.WaitUntilAsync(async () => (await onOther.GetAsync($"/v1/organizations/{company.Id}")).StatusCode == HttpStatusCode.Unauthorized,
            "the reconnected node forgets what it kept before");
        await Eventually.WaitUntilAsync(() => Task.FromResult(Keys(other).IsTrusted), "the node listens again");
    }

    [Fact]
    public async Task Unknown_keys_and_wrong_secrets_are_401_and_never_kept()
    {
        await using var other = await ListeningNodeAsync();
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var issued = await company.IssueKeyAsync();
        var unknownId = Ids.New(Ids.ApiKey);
        var wrongSecret = issued.Key[..^64] + new string('0', 64);

        await (await Client(other, $"{ApiKeySecrets.Prefix}{unknownId}_{new string('0', 64)}").GetAsync($"/v1/organizations/{company.Id}"))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
        await (await Client(other, wrongSecret).GetAsync($"/v1/organizations/{company.Id}")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");

        Keys(other).TryGet(unknownId, out _).ShouldBeFalse();
        Keys(other).TryGet(issued.Id, out _).ShouldBeFalse();
        (await Client(other, issued.Key).GetAsync($"/v1/organizations/{company.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await Client(other, wrongSecret).GetAsync($"/v1/organizations/{company.Id}")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task Requests_arriving_together_with_an_uncached_key_share_one_query_and_then_the_cache()
    {
        await using var other = await ListeningNodeAsync();
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var issued = await company.IssueKeyAsync();
        ApiKeySecrets.TryParse(issued.Key, out var keyId, out var secret).ShouldBeTrue();
        var lookup = other.Services.GetRequiredService<ApiKeyLookup>();

        // The table locked meanwhile, so that every request arrives while a query is still out.
        Task<VerifiedKey?[]> lookups;
        var asked = 0;
        await using (var locker = new NpgsqlConnection(api.ConnectionString))
        {
            await locker.OpenAsync();
            await using var transaction = await locker.BeginTransactionAsync();
            await using (var lockTable = new NpgsqlCommand("lock table api_keys in access exclusive mode", locker, transaction)) await lockTable.ExecuteNonQueryAsync();
            lookups = Task.WhenAll(Enumerable.Range(0, 20).Select(_ => lookup.FindAsync(keyId, secret, () => Interlocked.Increment(ref asked) > 0, CancellationToken.None)));
            await Eventually.WaitUntilAsync(async () => await api.CountAsync("select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like '%from api_keys where key_id%'") > 0,
                "a lookup waits for the table");
            await transaction.CommitAsync();
        }
        var found = await lookups;

        found[0].ShouldNotBeNull().Caller.OrganizationId.ShouldBe(company.Id);
        found.ShouldAllBe(key => ReferenceEquals(key, found[0]), "every request got the answer of the one query");
        asked.ShouldBe(1, "only the request that started the query drew on its address's lookups");
        Keys(other).TryGet(keyId, out var kept).ShouldBeTrue();
        kept.ShouldBeSameAs(found[0]);
    }

    /// <summary>Another node on the fixture's database, once it hears revocations (before that it keeps no key).</summary>
    private async Task<WebApplicationFactory<Program>> ListeningNodeAsync()
    {
        var node = api.Factory.WithWebHostBuilder(web => web.UseSetting("Auth:KeyCache:Lifetime", "01:00:00"));
        node.CreateClient().Dispose();
        await Eventually.WaitUntilAsync(() => Task.FromResult(Keys(node).IsTrusted), "the node listens for revocations");
        return node;
    }

    /// <summary>A new key of a new organization, used once on <paramref name="node"/> so that the node keeps it.</summary>
    private async Task<(Actor Owner, IssuedApiKeyResponse Issued, HttpClient OnNode)> KeyCachedOnAsync(WebApplicationFactory<Program> node, OrganizationKind kind)
    {
        var owner = await api.RegisterAsync(kind);
        var issued = await owner.IssueKeyAsync();
        var onNode = Client(node, issued.Key);
        (await onNode.GetAsync($"/v1/organizations/{owner.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        Keys(node).TryGet(issued.Id, out _).ShouldBeTrue();
        return (owner, issued, onNode);
    }

    private static ApiKeyCache Keys(WebApplicationFactory<Program> node) => node.Services.GetRequiredService<ApiKeyCache>();

    private static HttpClient Client(WebApplicationFactory<Program> node, string key)
    {
        var client = node.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }
}
