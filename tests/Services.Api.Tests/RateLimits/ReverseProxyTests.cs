using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.RateLimits;

/// <summary>
/// Requests reach the node from a proxy at 10.1.2.3 (or from a client at 192.0.2.10, directly);
/// anonymous requests are limited per client address, three at once.
/// </summary>
public sealed class ReverseProxyTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Proxy = "10.1.2.3";

    private sealed class ConnectionFrom(string address) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, after) =>
            {
                context.Connection.RemoteIpAddress = IPAddress.Parse(address);
                return after(context);
            });
            next(app);
        };
    }

    private WebApplicationFactory<Program> Node(string connectionFrom, string? trusted) => api.Factory.WithWebHostBuilder(web =>
    {
        web.UseSetting("RateLimits:Burst", "3");
        web.UseSetting("RateLimits:PerSecond", "1");
        if (trusted is not null) web.UseSetting("ReverseProxies:Trusted:0", trusted);
        web.ConfigureServices(services => services.AddSingleton<IStartupFilter>(new ConnectionFrom(connectionFrom)));
    });

    /// <summary>Anonymous requests from <paramref name="client"/> until one is refused (at most ten); answers the status of one more from <paramref name="other"/>.</summary>
    private static async Task<HttpStatusCode> AfterAFloodFromAsync(WebApplicationFactory<Program> node, string client, string other)
    {
        var http = node.CreateClient();
        var refused = false;
        for (var i = 0; i < 10 && !refused; i++) refused = (await Send(http, client)).StatusCode == HttpStatusCode.TooManyRequests;
        refused.ShouldBeTrue($"{client} is refused past its burst");
        return (await Send(http, other)).StatusCode;

        static Task<HttpResponseMessage> Send(HttpClient http, string forwardedFor)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/offers");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
            return http.SendAsync(request);
        }
    }

    [Theory]
    [InlineData(Proxy)]
    [InlineData("10.0.0.0/8")]
    public async Task Behind_a_trusted_proxy_each_client_has_its_own_bucket(string trusted)
    {
        await using var node = Node(connectionFrom: Proxy, trusted);

        (await AfterAFloodFromAsync(node, "203.0.113.7", other: "203.0.113.8")).ShouldBe(HttpStatusCode.Unauthorized);
    }

    /// <summary>
    /// The bucket refills once a second, so a refill can fall between a flood and the next request: a
    /// shared bucket shows as a refusal in one of three tries (a bucket of its own never refuses).
    /// </summary>
    private static async Task<List<HttpStatusCode>> AfterThreeFloodsFromAsync(WebApplicationFactory<Program> node, string client, string other)
    {
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 3 && !answers.Contains(HttpStatusCode.TooManyRequests); i++) answers.Add(await AfterAFloodFromAsync(node, client, other));
        return answers;
    }

    [Fact]
    public async Task With_no_proxy_trusted_the_header_is_ignored_and_the_proxy_is_one_client()
    {
        await using var node = Node(connectionFrom: Proxy, trusted: null);

        (await AfterThreeFloodsFromAsync(node, "203.0.113.7", other: "203.0.113.8")).ShouldContain(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task A_client_that_is_not_a_trusted_proxy_cannot_pick_its_address_with_the_header()
    {
        await using var node = Node(connectionFrom: "192.0.2.10", trusted: "10.0.0.0/8");

        (await AfterThreeFloodsFromAsync(node, "203.0.113.7", other: "203.0.113.8")).ShouldContain(HttpStatusCode.TooManyRequests);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_only_the_address_it_appended_counts_not_one_the_client_wrote_before_it()
    {
        await using var node = Node(connectionFrom: Proxy, trusted: "10.0.0.0/8");

        // A client inside the trusted network writes its own X-Forwarded-For; the proxy appends the address it came from.
        (await AfterThreeFloodsFromAsync(node, "203.0.113.7, 10.9.9.9", other: "203.0.113.8, 10.9.9.9")).ShouldContain(HttpStatusCode.TooManyRequests);
    }

    [Theory]
    [InlineData("proxy.internal")]
    [InlineData("10.1")]
    public void A_trusted_entry_that_is_no_address_stops_the_start_naming_it(string entry)
    {
        using var node = Node(connectionFrom: Proxy, trusted: entry);

        Should.Throw<InvalidOperationException>(() => node.CreateClient()).Message.ShouldContain($"'{entry}'");
    }
}
