using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Services.Api.Common;
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
    public async Task An_address_that_spent_its_bucket_on_unknown_keys_gets_429_before_any_new_key_is_looked_up()
    {
        var known = await api.RegisterAsync(OrganizationKind.Company);
        await using var limited = api.Factory.WithWebHostBuilder(web =>
        {
            web.UseSetting("RateLimits:Burst", "3");
            web.UseSetting("RateLimits:PerSecond", "1");
        });
        var knownClient = WithKey(limited, known);
        (await knownClient.GetAsync($"/v1/organizations/{known.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var madeUp = limited.CreateClient();
        madeUp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", $"svc_{Ids.New(Ids.ApiKey)}_{new string('0', 64)}");

        // The bucket refills one request a second, so a refill can fall between the flood and the new
        // key; a refusal in any of three tries is the behaviour, since without it the new key always passes.
        var refusals = new List<HttpResponseMessage>();
        for (var attempt = 0; attempt < 3 && refusals.Count == 0; attempt++)
        {
            await SpendAsync(madeUp);
            var fresh = await api.RegisterAsync(OrganizationKind.Company);
            var answer = await WithKey(limited, fresh).GetAsync($"/v1/organizations/{fresh.Id}");
            if (answer.StatusCode == HttpStatusCode.TooManyRequests) refusals.Add(answer);
            else answer.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        refusals.ShouldNotBeEmpty();
        refusals[0].Headers.RetryAfter.ShouldNotBeNull();
        await refusals[0].ShouldBeProblemAsync(HttpStatusCode.TooManyRequests, "rate_limited");
        // A key verified before the flood has its own bucket and asks nothing of the database.
        (await knownClient.GetAsync($"/v1/organizations/{known.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>Sends unknown keys until the address's bucket refuses them.</summary>
    private static async Task SpendAsync(HttpClient madeUp)
    {
        for (var i = 0; i < 20; i++)
        {
            var answer = await madeUp.GetAsync("/v1/offers");
            if (answer.StatusCode == HttpStatusCode.TooManyRequests) return;
            answer.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }
        throw new InvalidOperationException("Twenty unknown keys in a row were never refused with 429.");
    }

    private static HttpClient WithKey(WebApplicationFactory<Program> factory, Actor actor)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = actor.Client.DefaultRequestHeaders.Authorization;
        return client;
    }
}
