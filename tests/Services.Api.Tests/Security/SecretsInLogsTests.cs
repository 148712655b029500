using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Organizations;
using Services.Api.Tests.Http;
using Services.Api.Tests.Webhooks;
using Services.Api.Webhooks;
using Services.Client;
using Services.Testing;
using Wire = Services.Client.Models;

namespace Services.Api.Tests.Security;

/// <summary>Every log line the API writes, at every level, with its exception.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            lines.Enqueue($"{category} scope {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(' ', pairs.Select(p => $"{p.Key}={p.Value}")) : "";
            lines.Enqueue($"{category} {logLevel} {formatter(state, exception)} {values} {exception}");
        }
    }
}

public sealed class SecretsInLogsTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task No_api_key_webhook_secret_or_contact_detail_appears_in_any_log_line_or_event()
    {
        // The fixture's own worker stays out of the way: deliveries are signed by the instance whose logs are captured.
        await api.Service<WebhookDeliveryWorker>().StopAsync(CancellationToken.None);
        var logs = new CapturedLogs();
        await using var factory = api.Factory.WithWebHostBuilder(web =>
        {
            web.UseSetting("Logging:LogLevel:Default", "Trace");
            web.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Trace");
            web.UseSetting("Webhooks:AllowHttpLoopback", "true");
            web.ConfigureLogging(logging => logging.AddProvider(logs));
        });
        HttpClient ClientWithKey(string key)
        {
            var client = factory.CreateClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return client;
        }
        await using var receiver = await Receiver.StartAsync(TimeProvider.System, failFirst: 0);

        var club = await Actors.RegisterAsync(ClientWithKey(ApiFixture.OperatorKey), ClientWithKey, OrganizationKind.Club);
        var company = await Actors.RegisterAsync(ClientWithKey(ApiFixture.OperatorKey), ClientWithKey, OrganizationKind.Company);
        await new ServicesClient(club.Client).AdmitMemberAsync(club.Id, new Wire.AdmitMemberRequest { CompanyId = company.Id });
        var revoked = (await new ServicesClient(company.Client).IssueApiKeyAsync(company.Id, new Wire.IssueApiKeyRequest { Label = "to revoke" })).Value;
        (await company.Client.DeleteAsync($"/v1/organizations/{company.Id}/api-keys/{revoked.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var created = await company.Client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest(receiver.Url, ["booking.*"]), ApiFixture.JsonOptions);
        var webhookSecret = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!.Secret;
        var offer = await api.PublishOfferAsync(club, Category.SpouseWelcome);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var contact = new ContactDetails("Dominique Leak-Test", "dominique.leaktest@example.org", "+33 7 98 76 54 32");
        var booked = await company.Client.PostAsJsonAsync("/v1/bookings", new BookSeatRequest(subscription.Id, slot.Id, 1, "hr-leak", contact), ApiFixture.JsonOptions);
        booked.StatusCode.ShouldBe(HttpStatusCode.Created);
        var companyKey = company.Client.DefaultRequestHeaders.Authorization!.Parameter!;
        var wrongSecret = companyKey[..^8] + "00000000";
        foreach (var refused in new[] { revoked.Key, wrongSecret, "svc_key_garbage", ApiFixture.OperatorKey + "x" })
            (await ClientWithKey(refused).GetAsync($"/v1/organizations/{company.Id}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var worker = factory.Services.GetRequiredService<WebhookDeliveryWorker>();
        await Eventually.WaitUntilAsync(async () =>
        {
            await worker.RunOnceAsync(CancellationToken.None);
            return !receiver.Requests.IsEmpty;
        }, "the booking's webhook delivery reaches the receiver", TimeSpan.FromSeconds(20));
        var delivered = receiver.Requests.First();
        Services.Client.WebhookSignature.Verify(webhookSecret, delivered.Signature, delivered.Body).ShouldBeTrue();

        string[] secrets =
        [
            companyKey, companyKey[^64..], club.Client.DefaultRequestHeaders.Authorization!.Parameter![^64..], revoked.Key, revoked.Key[^64..],
            wrongSecret[^64..], ApiFixture.OperatorKey, webhookSecret, contact.Email!, contact.Phone!, contact.Name!,
        ];
        var lines = logs.Lines.ToList();
        lines.ShouldContain(line => line.Contains("/v1/bookings", StringComparison.Ordinal), "the API's request logs were not captured");
        foreach (var secret in secrets)
        {
            lines.ShouldNotContain(line => line.Contains(secret, StringComparison.Ordinal), $"a log line shows {secret[..6]}…");
            (await api.EventsContainingAsync(secret)).ShouldBe(0, $"an event shows {secret[..6]}…");
        }
        // Webhook secrets at rest: only wrapped by the master key.
        (await api.CountAsync("select count(*) from webhooks where secret is not null or sealed_secret is null")).ShouldBe(0);
    }
}
