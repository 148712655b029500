using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Infrastructure;

/// <summary>
/// The API on the fixture's database with one setting changed: a value out of range stops it before it serves. Checked
/// as the host checks it first thing at its start (IStartupValidator): through a test factory, a start that fails can
/// surface as the disposal of its services instead, when the factory looks at them after the failed host let them go.
/// </summary>
public sealed class SettingsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private OptionsValidationException RefusedAtStart(string setting, string value)
    {
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Postgres"] = api.ConnectionString,
            ["Auth:OperatorKey"] = ApiFixture.OperatorKey,
            ["Secrets:MasterKey"] = ApiFixture.MasterKey,
            ["Demo:Enabled"] = "false",
            [setting] = value,
        });
        builder.AddServicesApi();
        using var app = builder.Build();
        return Should.Throw<OptionsValidationException>(() => app.Services.GetRequiredService<IStartupValidator>().Validate());
    }

    [Theory]
    [InlineData("Webhooks:CircuitFailureRatio", "1.5")] // Polly refused it inside each delivery: the lane died, the deliveries came back for ever
    [InlineData("Webhooks:Jitter", "1.5")] // negative back-offs
    [InlineData("Webhooks:AttemptTimeoutSeconds", "0")]
    [InlineData("Webhooks:BatchSize", "0")]
    [InlineData("RateLimits:PerSecond", "0")] // started, then answered 500 to every authenticated request
    [InlineData("RateLimits:Burst", "-1")]
    [InlineData("Auth:KeyCache:Lifetime", "-00:00:01")]
    [InlineData("Reactions:PromotionIntervalSeconds", "0")]
    [InlineData("Reactions:CandidatesPerQuery", "0")]
    [InlineData("Idempotency:RetentionHours", "23")] // shorter than the 24 hours the API promises
    [InlineData("Idempotency:PurgeIntervalMinutes", "0")]
    [InlineData("EventStore:CachedAggregates", "-1")]
    public void A_setting_out_of_its_range_stops_the_start_with_a_message_naming_it_and_its_range(string setting, string value)
    {
        var refusal = RefusedAtStart(setting, value);

        refusal.Message.ShouldContain($"{setting} must be between");
        refusal.Message.ShouldContain($"It is {value}.");
    }

    [Fact]
    public void Retries_whose_doubling_would_wait_longer_than_the_longest_back_off_stop_the_start()
    {
        var refusal = RefusedAtStart("Webhooks:MaxAttempts", "40");

        refusal.Message.ShouldContain("Webhooks:MaxAttempts (40) with Webhooks:FirstRetrySeconds (170)");
    }
}
