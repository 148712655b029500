using System.Net;
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

    private static HttpClient WithKey(WebApplicationFactory<Program> factory, Actor actor)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = actor.Client.DefaultRequestHeaders.Authorization;
        return client;
    }
}
