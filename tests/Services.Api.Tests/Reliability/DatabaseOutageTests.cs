using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Services.Api.Infrastructure;
using Services.Api.Tests.Http;
using Services.Api.Tests.Security;
using Services.Testing;

namespace Services.Api.Tests.Reliability;

/// <summary>The API in front of a database that is down at start-up, then comes back (through a TCP relay the test opens).</summary>
public sealed class DatabaseOutageTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task While_the_database_is_down_calls_get_503_with_retry_after_and_it_recovers_by_itself()
    {
        using var relay = new TcpRelay();
        var logs = new CapturedLogs();
        await using var factory = BehindRelay(relay, api.ConnectionString, logs);
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ApiFixture.OperatorKey);

        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var down = await client.GetAsync("/v1/organizations/org_aaaaaaaaaaaaaaaaaaaaaaaa");
        await down.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        down.Headers.RetryAfter.ShouldNotBeNull();

        relay.Open();

        await Eventually.WaitUntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            "the API is ready once the database is back", TimeSpan.FromSeconds(10));
        (await client.GetAsync("/v1/organizations/org_aaaaaaaaaaaaaaaaaaaaaaaa")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_migration_that_fails_once_the_server_is_back_stops_the_API_and_logs_why()
    {
        using var relay = new TcpRelay();
        var logs = new CapturedLogs();
        var missing = new NpgsqlConnectionStringBuilder(api.ConnectionString) { Database = "services_no_such_database" }.ConnectionString;
        await using var factory = BehindRelay(relay, missing, logs);
        factory.CreateClient();
        var stopping = factory.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        stopping.IsCancellationRequested.ShouldBeFalse();

        relay.Open();

        await Eventually.WaitUntilAsync(() => Task.FromResult(stopping.IsCancellationRequested),
            "the API stops once the migration fails for another reason than the server's absence", TimeSpan.FromSeconds(10));
        logs.Lines.ShouldContain(line => line.Contains("Critical Schema migration failed", StringComparison.Ordinal) && line.Contains("services_no_such_database", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_call_answered_503_because_the_database_failed_under_it_is_logged_as_a_warning()
    {
        var logs = new CapturedLogs();
        using var logging = LoggerFactory.Create(builder => builder.AddProvider(logs));
        var handler = new ProblemExceptionHandler(api.Services.GetRequiredService<IProblemDetailsService>(), logging.CreateLogger<ProblemExceptionHandler>());
        var http = new DefaultHttpContext { RequestServices = api.Services };
        http.Request.Method = "POST";
        http.Request.Path = "/v1/bookings";
        http.Response.Body = new MemoryStream();

        (await handler.TryHandleAsync(http, new NpgsqlException("connection lost", new SocketException()), CancellationToken.None)).ShouldBeTrue();

        http.Response.StatusCode.ShouldBe(StatusCodes.Status503ServiceUnavailable);
        logs.Lines.ShouldContain(line => line.Contains("Warning Answered 503", StringComparison.Ordinal) && line.Contains("POST /v1/bookings", StringComparison.Ordinal) && line.Contains("connection lost", StringComparison.Ordinal));
    }

    /// <summary>The API on <paramref name="connectionString"/>'s database, reached through <paramref name="relay"/>; its warnings and worse in <paramref name="logs"/>.</summary>
    private static WebApplicationFactory<Program> BehindRelay(TcpRelay relay, string connectionString, CapturedLogs logs)
    {
        var throughRelay = new NpgsqlConnectionStringBuilder(relay.Through(connectionString)) { Timeout = 2 }.ConnectionString;
        return new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:Postgres", throughRelay);
            web.UseSetting("Auth:OperatorKey", ApiFixture.OperatorKey);
            web.UseSetting("Secrets:MasterKey", ApiFixture.MasterKey);
            web.UseSetting("Demo:Enabled", "false");
            web.UseSetting("Logging:LogLevel:Default", "Warning");
            web.ConfigureLogging(logging => logging.AddProvider(logs));
        });
    }
}
