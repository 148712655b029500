using System.Net;
using Polly.CircuitBreaker;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;

namespace Services.Api.Tests.Webhooks;

/// <summary>The worker's circuits are forgotten once idle, so that receivers registered and deleted do not pile up; an open one only after its break.</summary>
public sealed class WebhookCircuitsTests
{
    private static readonly WebhookOptions Options = new()
    {
        CircuitMinimumThroughput = 2,
        CircuitFailureRatio = 0.5,
        CircuitSamplingSeconds = 10,
        CircuitBreakSeconds = 100,
        AttemptTimeoutSeconds = 1,
    };

    [Fact]
    public void A_circuit_unused_for_its_sampling_window_and_an_attempts_timeout_is_forgotten_and_one_used_since_is_kept()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var circuits = new WebhookCircuits(Options, clock);
        circuits.Idle.ShouldBe(TimeSpan.FromSeconds(11));
        var idle = circuits.For("org_1 https://gone.example.com");
        circuits.For("org_1 https://live.example.com");

        clock.Advance(TimeSpan.FromSeconds(6));
        circuits.For("org_1 https://live.example.com");
        clock.Advance(TimeSpan.FromSeconds(6));
        circuits.ForgetIdle();

        circuits.Count.ShouldBe(1);
        circuits.For("org_1 https://gone.example.com").ShouldNotBeSameAs(idle);
    }

    [Fact]
    public async Task An_open_circuit_is_kept_through_its_break_however_idle_and_forgotten_once_the_break_ended_that_long_ago()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var circuits = new WebhookCircuits(Options, clock);
        var failing = circuits.For("org_1 https://down.example.com");
        for (var i = 0; i < 2; i++)
        {
            using var answer = await failing.Pipeline.ExecuteAsync(_ => ValueTask.FromResult(new HttpResponseMessage(HttpStatusCode.InternalServerError)));
        }

        clock.Advance(TimeSpan.FromSeconds(99));
        circuits.ForgetIdle();
        circuits.Count.ShouldBe(1);
        // Still the open one: an attempt now is not sent.
        await Should.ThrowAsync<BrokenCircuitException>(async () =>
            await circuits.For("org_1 https://down.example.com").Pipeline.ExecuteAsync(_ => ValueTask.FromResult(new HttpResponseMessage(HttpStatusCode.OK))));

        clock.Advance(TimeSpan.FromSeconds(1) + circuits.Idle + TimeSpan.FromSeconds(1));
        circuits.ForgetIdle();
        circuits.Count.ShouldBe(0);
    }
}
