using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Services.Client.Models;

namespace Services.Client.Tests;

/// <summary>Retries against a scripted server: only safe or keyed requests, only for transient failures.</summary>
public sealed class RetryTests
{
    private const string OfferJson = """
        {"id":"off_1","clubId":"org_1","category":"mobility","title":"t","description":"d","territories":["x"],"timeZone":"Europe/Paris",
         "monthlyFee":{"amount":1,"currency":"EUR"},"unitPrice":{"amount":1,"currency":"EUR"},"coFunding":null,"providerIds":[],"status":"active"}
        """;

    [Fact]
    public async Task A_read_is_retried_after_a_server_error_and_a_transport_error()
    {
        var server = new ScriptedHandler(_ => Status(HttpStatusCode.ServiceUnavailable), _ => throw new HttpRequestException("reset"), _ => Json(OfferJson));

        var offer = await Client(server).GetOfferAsync("off_1");

        offer.Value.Id.ShouldBe("off_1");
        server.Requests.Count.ShouldBe(3);
    }

    [Fact]
    public async Task A_change_without_a_key_is_not_retried()
    {
        var server = new ScriptedHandler(_ => Status(HttpStatusCode.BadGateway), _ => Json(OfferJson, HttpStatusCode.Created));

        var error = await Should.ThrowAsync<ServicesApiException>(() =>
            Client(server, new ServicesClientOptions { AutoIdempotencyKeys = false }).PublishOfferAsync(Offer()));

        error.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        server.Requests.Count.ShouldBe(1);
        server.Requests[0].Key.ShouldBeNull();
    }

    [Fact]
    public async Task A_change_gets_a_key_that_every_attempt_reuses()
    {
        var server = new ScriptedHandler(_ => Status(HttpStatusCode.InternalServerError), _ => Status(HttpStatusCode.RequestTimeout), _ => Json(OfferJson));

        await Client(server).ReviseOfferAsync("off_1", new ReviseOfferRequest { Title = "New" });

        server.Requests.Count.ShouldBe(3);
        server.Requests.Select(r => r.Key).Distinct().ShouldHaveSingleItem().ShouldNotBeNullOrEmpty();
        server.Requests.Select(r => r.Body).Distinct().ShouldHaveSingleItem().ShouldBe("""{"title":"New"}""");
    }

    [Fact]
    public async Task Retry_after_is_honoured_on_429()
    {
        var server = new ScriptedHandler(_ =>
        {
            var limited = Status(HttpStatusCode.TooManyRequests);
            limited.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
            return limited;
        }, _ => Json("""{"data":[],"next":null}"""));
        var watch = Stopwatch.StartNew();

        await Client(server).ListOffersAsync();

        watch.Elapsed.ShouldBeGreaterThan(TimeSpan.FromMilliseconds(900));
        server.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public async Task A_retry_after_beyond_the_limit_is_not_waited_for()
    {
        var server = new ScriptedHandler(_ =>
        {
            var limited = Status(HttpStatusCode.TooManyRequests);
            limited.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromMinutes(10));
            return limited;
        });

        var error = await Should.ThrowAsync<ServicesApiException>(() => Client(server).ListOffersAsync());

        error.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
        server.Requests.Count.ShouldBe(1);
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest)]
    [InlineData(HttpStatusCode.NotFound)]
    [InlineData(HttpStatusCode.Conflict)]
    [InlineData(HttpStatusCode.PreconditionFailed)]
    public async Task Client_errors_are_not_retried(HttpStatusCode status)
    {
        var server = new ScriptedHandler(_ => Status(status));

        var error = await Should.ThrowAsync<ServicesApiException>(() => Client(server).GetOfferAsync("off_1"));

        error.StatusCode.ShouldBe(status);
        server.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_key_still_in_progress_is_retried()
    {
        var server = new ScriptedHandler(
            _ => Problem(HttpStatusCode.Conflict, "https://docs.services.example/problems/idempotency_key_in_progress"),
            _ => Json(OfferJson, HttpStatusCode.Created));

        await Client(server).PublishOfferAsync(Offer(), new RequestOptions { IdempotencyKey = "k1" });

        server.Requests.Select(r => r.Key).ShouldBe(["k1", "k1"]);
    }

    [Fact]
    public async Task Retries_can_be_turned_off_per_call_and_give_up_after_the_maximum()
    {
        var off = new ScriptedHandler(_ => Status(HttpStatusCode.ServiceUnavailable));
        await Should.ThrowAsync<ServicesApiException>(() => Client(off).GetOfferAsync("off_1", new RequestOptions { Retry = false }));
        off.Requests.Count.ShouldBe(1);

        var down = new ScriptedHandler(_ => Status(HttpStatusCode.ServiceUnavailable));
        await Should.ThrowAsync<ServicesApiException>(() => Client(down).GetOfferAsync("off_1"));
        down.Requests.Count.ShouldBe(4); // 1 + MaxRetryAttempts (3)
    }

    [Fact]
    public async Task A_call_asks_for_retries_when_the_client_makes_none()
    {
        var server = new ScriptedHandler(_ => Status(HttpStatusCode.ServiceUnavailable), _ => Json(OfferJson));
        var client = Client(server, new ServicesClientOptions { Retry = new RetryOptions { Enabled = false } });

        (await client.GetOfferAsync("off_1", new RequestOptions { Retry = true })).Value.Id.ShouldBe("off_1");

        server.Requests.Count.ShouldBe(2);
    }

    [Fact]
    public async Task The_caller_cancelling_is_not_retried()
    {
        using var cancel = new CancellationTokenSource();
        var server = new ScriptedHandler(_ =>
        {
            cancel.Cancel();
            throw new TaskCanceledException();
        });

        await Should.ThrowAsync<OperationCanceledException>(() => Client(server).GetOfferAsync("off_1", cancellationToken: cancel.Token));

        server.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Problems_carry_their_type_detail_and_field_errors()
    {
        var server = new ScriptedHandler(_ => Problem(HttpStatusCode.BadRequest, "https://docs.services.example/problems/invalid_request",
            """, "title":"Invalid request","detail":"see errors","errors":{"quantity":["Must be at least 1."]}"""));

        var error = await Should.ThrowAsync<ServicesApiException>(() => Client(server).GetOfferAsync("off_1"));

        error.Code.ShouldBe("invalid_request");
        error.Title.ShouldBe("Invalid request");
        error.Detail.ShouldBe("see errors");
        error.Errors["quantity"].ShouldBe(["Must be at least 1."]);
        error.Message.ShouldContain("quantity: Must be at least 1.");
    }

    [Fact]
    public async Task A_change_that_fails_tells_the_key_it_went_with_and_how_long_to_wait()
    {
        var server = new ScriptedHandler(_ =>
        {
            var busy = Problem(HttpStatusCode.ServiceUnavailable, "https://docs.services.example/problems/busy", """, "traceId":"00-abc-01-00" """);
            busy.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromMinutes(10));
            return busy;
        });

        var error = await Should.ThrowAsync<ServicesApiException>(() => Client(server).PublishOfferAsync(Offer()));

        // Calling again with this key can never book twice; a new call would make a new key.
        error.IdempotencyKey.ShouldNotBeNullOrEmpty();
        error.IdempotencyKey.ShouldBe(server.Requests.Single().Key);
        error.RetryAfter.ShouldBe(TimeSpan.FromMinutes(10));
        error.RequestId.ShouldBe("00-abc-01-00");
    }

    [Fact]
    public async Task A_change_sent_without_retries_still_goes_with_a_key_it_tells_on_failure()
    {
        var server = new ScriptedHandler(_ => Status(HttpStatusCode.ServiceUnavailable));

        var error = await Should.ThrowAsync<ServicesApiException>(() => Client(server).PublishOfferAsync(Offer(), new RequestOptions { Retry = false }));

        server.Requests.Count.ShouldBe(1);
        error.IdempotencyKey.ShouldNotBeNullOrEmpty();
        error.IdempotencyKey.ShouldBe(server.Requests.Single().Key);
    }

    [Fact]
    public async Task A_change_lost_in_transport_still_tells_its_key_and_a_success_tells_it_too()
    {
        var lost = new ScriptedHandler(_ => throw new HttpRequestException("reset"));

        var error = await Should.ThrowAsync<HttpRequestException>(() => Client(lost).PublishOfferAsync(Offer()));

        error.Data[ServicesClient.IdempotencyKeyHeader].ShouldBe(lost.Requests.Select(r => r.Key).Distinct().Single());
        var made = new ScriptedHandler(_ => Json(OfferJson, HttpStatusCode.Created));
        (await Client(made).PublishOfferAsync(Offer(), new RequestOptions { IdempotencyKey = "k7" })).IdempotencyKey.ShouldBe("k7");
    }

    [Fact]
    public async Task Query_parameters_use_the_wire_formats()
    {
        var server = new ScriptedHandler(_ => Json("""{"data":[],"next":null}"""));

        await Client(server).ListOffersAsync(new ListOffersParameters
        {
            Category = Category.SpouseWelcome, Status = OfferStatus.Withdrawn, From = new DateTimeOffset(2026, 11, 23, 8, 30, 0, TimeSpan.FromHours(1)), Limit = 5, After = "a b",
        });

        server.Requests[0].Uri.ShouldBe("http://api.test/v1/offers?category=spouse_welcome&from=2026-11-23T07%3A30%3A00Z&status=withdrawn&limit=5&after=a%20b");
        server.Requests[0].Authorization.ShouldBe("Bearer svc_key_test");
    }

    [Fact]
    public void Auto_pagers_refuse_if_none_match_when_called_before_any_request()
    {
        var server = new ScriptedHandler(_ => Status(HttpStatusCode.NotModified));
        var conditional = new RequestOptions { IfNoneMatch = "\"3\"" };

        Should.Throw<ArgumentException>(() => Client(server).ListApiKeysAutoPagingAsync("org_1", options: conditional)).ParamName.ShouldBe("options");
        Should.Throw<ArgumentException>(() => Client(server).ListApiKeysPagesAsync("org_1", options: conditional)).ParamName.ShouldBe("options");
        server.Requests.ShouldBeEmpty();
    }

    private static ServicesClient Client(ScriptedHandler server, ServicesClientOptions? options = null)
    {
        options ??= new ServicesClientOptions();
        options.ApiKey = "svc_key_test";
        options.Retry.BaseDelay = TimeSpan.FromMilliseconds(5);
        options.Retry.UseJitter = false;
        return new ServicesClient(new HttpClient(server) { BaseAddress = new Uri("http://api.test/") }, options);
    }

    private static PublishOfferRequest Offer() => new()
    {
        Category = Category.Mobility, Title = "t", Description = "d", Territories = ["x"], TimeZone = "Europe/Paris",
        MonthlyFee = new Money { Amount = 1, Currency = "EUR" }, UnitPrice = new Money { Amount = 1, Currency = "EUR" },
    };

    private static HttpResponseMessage Status(HttpStatusCode status) => new(status) { Content = new StringContent("") };

    private static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    private static HttpResponseMessage Problem(HttpStatusCode status, string type, string more = "") =>
        new(status) { Content = new StringContent($$"""{"type":"{{type}}","status":{{(int)status}}{{more}}}""", Encoding.UTF8, "application/problem+json") };

    private sealed record Seen(string Method, string Uri, string? Key, string? Body, string? Authorization);

    /// <summary>Answers the n-th request with the n-th script step (the last one repeats).</summary>
    private sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] steps) : HttpMessageHandler
    {
        public List<Seen> Requests { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            Requests.Add(new Seen(request.Method.Method, request.RequestUri!.AbsoluteUri,
                request.Headers.TryGetValues(ServicesClient.IdempotencyKeyHeader, out var keys) ? keys.Single() : null, body,
                request.Headers.Authorization?.ToString()));
            var response = steps[Math.Min(Requests.Count, steps.Length) - 1](request);
            response.RequestMessage = request;
            return response;
        }
    }
}
