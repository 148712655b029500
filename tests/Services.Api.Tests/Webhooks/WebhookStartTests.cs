using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;
using Services.Testing;

namespace Services.Api.Tests.Webhooks;

/// <summary>Where a webhook's deliveries start: no event after that point may be passed over, whatever commits while it is registered.</summary>
public sealed class WebhookStartTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task An_event_committed_and_projected_while_a_webhook_waits_to_be_registered_is_sent_exactly_when_it_comes_after_the_start()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        await using var other = new NpgsqlConnection(api.ConnectionString);
        await other.OpenAsync();
        // Another registration of the organization holds its webhooks' lock, as when several are made at once.
        await AdvisoryAsync(other, "pg_advisory_lock", company.Id);
        var creating = company.Client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest("https://hooks.example.com/start", ["subscription.subscribed"]), ApiFixture.JsonOptions);
        await Eventually.WaitUntilAsync(async () => await api.CountAsync("select count(*) from pg_stat_activity where wait_event_type = 'Lock' and query like '%webhooks:%'") > 0,
            "the registration waits for the lock");
        var meanwhile = await api.SubscribeAsync(company, offer.Id);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        await AdvisoryAsync(other, "pg_advisory_unlock", company.Id);
        var created = await creating;
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var webhook = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!;
        var later = await api.SubscribeAsync(company, (await api.PublishOfferAsync(club)).Id);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);

        foreach (var subscription in new[] { meanwhile, later })
        {
            await using var check = new NpgsqlCommand("""
                select (e.transaction_id, e.global_position) > (w.after_xid, w.after_position),
                       exists (select 1 from webhook_deliveries d where d.webhook_id = w.webhook_id and d.event_id = e.event_id)
                from webhooks w, es_events e
                where w.webhook_id = $1 and e.stream_id = 'subscription-' || $2 and e.event_type = 'subscription.subscribed'
                """, other);
            check.Parameters.Add(new NpgsqlParameter { Value = webhook.Id });
            check.Parameters.Add(new NpgsqlParameter { Value = subscription.Id });
            await using var reader = await check.ExecuteReaderAsync();
            (await reader.ReadAsync()).ShouldBeTrue();
            var (afterStart, queued) = (reader.GetBoolean(0), reader.GetBoolean(1));
            queued.ShouldBe(afterStart, $"subscription {subscription.Id}: after the start {afterStart}, queued {queued}");
            if (subscription == later) queued.ShouldBeTrue();
        }
    }

    private static async Task AdvisoryAsync(NpgsqlConnection connection, string function, string organizationId)
    {
        await using var command = new NpgsqlCommand($"select {function}(hashtextextended('webhooks:' || $1, 0))", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = organizationId });
        await command.ExecuteNonQueryAsync();
    }
}
