using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Services.Api.Demo;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Demo;

/// <summary>api-spec/walkthrough.http, the README's day request by request, as a reader runs it against the demo territory.</summary>
public sealed class WalkthroughTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Every_step_of_the_walkthrough_gets_the_answer_it_announces()
    {
        // Mid-morning in Paris, so that the slot it moves stays on its local day.
        var clock = new FakeClock(new DateTimeOffset(DateTime.UtcNow.Date.AddDays(1).AddHours(9), TimeSpan.Zero));
        await using var clocked = api.WithClock(clock);
        var keysFile = Path.Combine(Path.GetTempPath(), $"services-walkthrough-keys-{Guid.NewGuid():N}.json");
        DemoKeys keys;
        try
        {
            keys = (await new DemoLoader(clocked.Service<EventStore.EventStore>(), clock, NullLogger.Instance)
                .LoadOnceAsync(clocked.Operator(), keysFile, CancellationToken.None)).ShouldNotBeNull();
        }
        finally
        {
            File.Delete(keysFile);
        }
        var (fileVariables, requests) = HttpFile.Parse(await File.ReadAllTextAsync(Path.Combine(Contract.RepositoryRoot(), "api-spec", "walkthrough.http")));
        var variables = new Dictionary<string, string>(fileVariables, StringComparer.Ordinal)
        {
            ["base"] = "http://localhost", ["operatorKey"] = ApiFixture.OperatorKey, ["clubKey"] = keys.ClubKey, ["companyKey"] = keys.CompanyKey,
            ["providerKey"] = keys.ProviderKey, ["providerId"] = keys.ProviderId, ["partnerKey"] = keys.PartnerKey,
        };
        var answers = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        using var http = clocked.Operator();
        http.DefaultRequestHeaders.Authorization = null;

        requests.Count.ShouldBeGreaterThan(10);
        foreach (var step in requests)
        {
            clock.Advance(step.Wait);
            string Resolved(string text) => HttpFile.Resolve(text, variables, answers, clock.GetUtcNow());
            using var request = new HttpRequestMessage(new HttpMethod(step.Method), Resolved(step.Url));
            if (step.Body.Length > 0) request.Content = new StringContent(Resolved(step.Body), Encoding.UTF8);
            foreach (var (name, value) in step.Headers)
            {
                if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase)) request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
                else request.Headers.TryAddWithoutValidation(name, Resolved(value));
            }
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            ((int)response.StatusCode).ShouldBe(step.Answer.ShouldNotBeNull($"step {step.Title} announces no answer"), $"step {step.Title}: {body}");
            if (step.Name is not null) answers[step.Name] = JsonNode.Parse(body);
        }
    }
}
