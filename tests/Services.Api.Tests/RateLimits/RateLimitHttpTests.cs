using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Services.Api.Common;
using Services.Api.Organizations;
using Services.Api.Security;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.RateLimits;

public sealed class RateLimitHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Answers_carry_rate_limit_headers()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var response = await company.Client.GetAsync($"/v1/organizations/{company.Id}");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        int.Parse(response.Headers.GetValues("RateLimit-Limit").Single(), System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(0);
        response.Headers.Contains("RateLimit-Remaining").ShouldBeTrue();
        response.Headers.Contains("RateLimit-Reset").ShouldBeTrue();
    }

    [Fact]
    public async Task An_answer_written_by_the_error_handler_carries_them_too()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        // Malformed JSON fails in model binding: the exception handler clears the answer and writes the 400.
        var response = await company.Client.PostAsync("/v1/needs", new StringContent("{\"category\":", System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Headers.Contains("RateLimit-Limit").ShouldBeTrue();
        response.Headers.Contains("RateLimit-Remaining").ShouldBeTrue();
        response.Headers.Contains("RateLimit-Reset").ShouldBeTrue();
    }

    [Fact]
    public async Task Past_its_burst_a_key_gets_429_with_retry_after_while_another_key_goes_on()
    {
        var first = await api.RegisterAsync(OrganizationKind.Company);
        var second = await api.RegisterAsync(OrganizationKind.Company);
        await using var limited = api.Factory.WithWebHostBuilder(web =>
        {
            web.UseSetting("RateLimits:Burst", "5");
            web.UseSetting("RateLimits:PerSecond", "1");
        });
        var firstClient = WithKey(limited, first);
        var secondClient = WithKey(limited, second);

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 8; i++) answers.Add(await firstClient.GetAsync($"/v1/organizations/{first.Id}"));

        var refused = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        refused.Count.ShouldBeGreaterThanOrEqualTo(2);
        refused[0].Headers.RetryAfter.ShouldNotBeNull();
        refused[0].Headers.GetValues("RateLimit-Remaining").Single().ShouldBe("0");
        await refused[0].ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        (await secondClient.GetAsync($"/v1/organizations/{second.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_address_that_spent_its_lookups_on_made_up_keys_gets_429_before_any_new_key_is_looked_up()
    {
        var known = await api.RegisterAsync(OrganizationKind.Company);
        await using var limited = await LimitedNodeAsync();
        var knownClient = WithKey(limited, known);
        (await knownClient.GetAsync($"/v1/organizations/{known.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The lookups refill one a second, so a refill can fall between the flood and the new key; a
        // refusal in any of three tries is the behaviour, since without the budget the new key always passes.
        var refusals = new List<HttpResponseMessage>();
        for (var attempt = 0; attempt < 3 && refusals.Count == 0; attempt++)
        {
            await SpendLookupsAsync(limited);
            var fresh = await api.RegisterAsync(OrganizationKind.Company);
            var answer = await WithKey(limited, fresh).GetAsync($"/v1/organizations/{fresh.Id}");
            if (answer.StatusCode == HttpStatusCode.TooManyRequests) refusals.Add(answer);
            else answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        refusals.ShouldNotBeEmpty();
        refusals[0].Headers.RetryAfter.ShouldNotBeNull();
        (await refusals[0].ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited")).GetProperty("detail").GetString()!.ShouldContain("look up");
        // A key verified before the flood asks nothing of the database.
        (await knownClient.GetAsync($"/v1/organizations/{known.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_revoked_key_sent_again_and_again_costs_one_lookup_so_the_new_key_of_a_rotation_still_gets_in()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var issued = await company.Client.PostAsJsonAsync($"/v1/organizations/{company.Id}/api-keys", new IssueApiKeyRequest("old worker"), ApiFixture.JsonOptions);
        var old = (await issued.Content.ReadFromJsonAsync<IssuedApiKeyResponse>(ApiFixture.JsonOptions))!;
        (await company.Client.DeleteAsync($"/v1/organizations/{company.Id}/api-keys/{old.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await using var limited = await LimitedNodeAsync();
        var revoked = limited.CreateClient();
        revoked.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", old.Key);

        // Ten times the lookup burst: each an answer without a valid key (401, then 429 from the address's requests).
        for (var i = 0; i < 30; i++)
            (await revoked.GetAsync("/v1/offers")).StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests);

        (await WithKey(limited, company).GetAsync($"/v1/organizations/{company.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>A node with buckets of 3 refilled 1 a second, caching keys (so listening for revocations).</summary>
    private async Task<WebApplicationFactory<Program>> LimitedNodeAsync()
    {
        var node = api.Factory.WithWebHostBuilder(web =>
        {
            web.UseSetting("RateLimits:Burst", "3");
            web.UseSetting("RateLimits:PerSecond", "1");
        });
        node.CreateClient().Dispose();
        await Eventually.WaitUntilAsync(() => Task.FromResult(node.Services.GetRequiredService<ApiKeyCache>().IsTrusted), "the node listens for revocations");
        return node;
    }

    /// <summary>Sends a different made-up key each time until the address's lookups are refused.</summary>
    private static async Task SpendLookupsAsync(WebApplicationFactory<Program> node)
    {
        var madeUp = node.CreateClient();
        for (var i = 0; i < 20; i++)
        {
            madeUp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", $"svc_{Ids.New(Ids.ApiKey)}_{new string('0', 64)}");
            var answer = await madeUp.GetAsync("/v1/offers");
            if (answer.StatusCode == HttpStatusCode.TooManyRequests && (await answer.Content.ReadAsStringAsync()).Contains("look up", StringComparison.Ordinal)) return;
            answer.StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests);
        }
        throw new InvalidOperationException("Twenty made-up keys in a row never ran out of lookups.");
    }

    private static HttpClient WithKey(WebApplicationFactory<Program> factory, Actor actor)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = actor.Client.DefaultRequestHeaders.Authorization;
        return client;
    }
}
