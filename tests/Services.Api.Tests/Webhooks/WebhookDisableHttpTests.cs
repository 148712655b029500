using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.Api.Tests.Security;
using Services.Api.Webhooks;
using static Services.Api.Tests.Webhooks.WebhookScenes;

namespace Services.Api.Tests.Webhooks;

/// <summary>A webhook switched off and on again: nothing sent nor queued meanwhile, its pending deliveries held and then sent.</summary>
public sealed class WebhookDisableHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Events_while_a_webhook_is_disabled_are_never_delivered_and_those_after_it_is_enabled_again_are()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock);
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var client = clocked.ClientFor(company);
        var webhook = await CreateAsync(client, receiver.Url, "booking.*");
        (webhook.Status, webhook.DisabledAt).ShouldBe((WebhookStatus.Enabled, (DateTimeOffset?)null));
        // Another webhook of the company stays enabled: it gets the events the disabled one does not.
        var sibling = await CreateAsync(client, receiver.Url + "?sibling", "booking.*");
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);

        var disabled = await SwitchAsync(client, webhook.Id, WebhookStatus.Disabled);
        disabled.DisabledAt.ShouldNotBeNull().ShouldBe(clock.GetUtcNow(), TimeSpan.FromMilliseconds(1));
        var whileDisabled = await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        (await DeliveriesAsync(client, webhook.Id)).ShouldBeEmpty();
        (await DeliveriesAsync(client, sibling.Id)).ShouldNotBeEmpty();
        string beforeEnabling;
        await using (var connection = new NpgsqlConnection(api.ConnectionString))
        {
            // An open transaction holds the outbox below it: the next booking is read only after the webhook is enabled again.
            await connection.OpenAsync();
            await using var holding = await connection.BeginTransactionAsync();
            await using (var xid = new NpgsqlCommand("select pg_current_xact_id()", connection, holding)) await xid.ExecuteScalarAsync();
            beforeEnabling = (await api.BookAsync(company, subscription.Id, slot.Id)).Id;
            var enabled = await SwitchAsync(client, webhook.Id, WebhookStatus.Enabled);
            (enabled.Status, enabled.DisabledAt).ShouldBe((WebhookStatus.Enabled, (DateTimeOffset?)null));
            await holding.RollbackAsync();
        }
        var afterEnabling = await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        clock.Advance(TimeSpan.FromMinutes(1));
        await worker.RunOnceAsync(CancellationToken.None);

        var deliveries = await DeliveriesAsync(client, webhook.Id);
        deliveries.ShouldNotBeEmpty();
        deliveries.ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Delivered);
        var received = receiver.Requests.Where(r => deliveries.Any(d => d.Id == r.DeliveryId)).ToList();
        received.Count.ShouldBe(deliveries.Count);
        received.ShouldAllBe(r => r.Body.Contains(afterEnabling.Id));
        receiver.Requests.ShouldContain(r => r.Body.Contains(whileDisabled.Id), "the sibling's deliveries");
        received.ShouldNotContain(r => r.Body.Contains(whileDisabled.Id) || r.Body.Contains(beforeEnabling));
    }

    [Fact]
    public async Task Pending_deliveries_wait_while_their_webhook_is_disabled_and_go_out_once_it_is_enabled_again()
    {
        await using var scene = await api.DeliverySceneAsync();
        var queued = await DeliveriesAsync(scene.Client, scene.Webhook.Id);

        await SwitchAsync(scene.Client, scene.Webhook.Id, WebhookStatus.Disabled);
        scene.Clock.Advance(TimeSpan.FromDays(3));
        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(0);
        scene.Receiver.Requests.ShouldBeEmpty();
        (await scene.Client.ListAsync<WebhookResponse>("/v1/webhooks?status=disabled")).Data.ShouldHaveSingleItem().Id.ShouldBe(scene.Webhook.Id);
        (await scene.Client.ListAsync<WebhookResponse>("/v1/webhooks?status=enabled")).Data.ShouldBeEmpty();
        await SwitchAsync(scene.Client, scene.Webhook.Id, WebhookStatus.Enabled);

        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(queued.Count);
        scene.Receiver.Requests.Select(r => r.DeliveryId).ShouldBe(queued.Select(d => d.Id), ignoreOrder: true);
        (await DeliveriesAsync(scene.Client, scene.Webhook.Id)).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Delivered && d.AttemptCount == 1);
    }

    [Fact]
    public async Task A_delivery_claimed_before_its_webhook_was_disabled_is_not_sent_until_it_is_enabled_again()
    {
        HttpStatusCode? disable = null;
        await using var scene = await api.DeliverySceneAsync(async (scene, _) =>
            disable = (await scene.Client.PatchAsJsonAsync($"/v1/webhooks/{scene.Webhook.Id}", new UpdateWebhookRequest(Status: WebhookStatus.Disabled), ApiFixture.PartialChangeOptions)).StatusCode);
        var queued = (await DeliveriesAsync(scene.Client, scene.Webhook.Id)).Count;
        scene.Clock.Advance(TimeSpan.FromMinutes(1));

        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(queued);

        disable.ShouldBe(HttpStatusCode.OK);
        scene.Receiver.Requests.Count.ShouldBe(1, "the delivery on the wire when it was disabled, and no other");
        await SwitchAsync(scene.Client, scene.Webhook.Id, WebhookStatus.Enabled);
        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(queued - 1);
        scene.Receiver.Requests.Count.ShouldBe(queued);
    }

    [Fact]
    public async Task A_pause_longer_than_the_retries_does_not_use_them_up_the_schedule_starts_again_when_it_is_enabled()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock, ("Webhooks:MaxAttempts", "2"));
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: int.MaxValue);
        var (company, webhook) = await api.CompanyWithDeliveriesAsync(clocked, receiver.Url);
        var client = clocked.ClientFor(company);
        clock.Advance(TimeSpan.FromMinutes(1));
        await worker.RunOnceAsync(CancellationToken.None);
        (await DeliveriesAsync(client, webhook.Id)).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Pending && d.AttemptCount == 1);

        await SwitchAsync(client, webhook.Id, WebhookStatus.Disabled);
        clock.Advance(TimeSpan.FromDays(3));
        await SwitchAsync(client, webhook.Id, WebhookStatus.Enabled);
        (await DeliveriesAsync(client, webhook.Id)).ShouldAllBe(d => d.NextAttemptAt <= clock.GetUtcNow());
        await worker.RunOnceAsync(CancellationToken.None);

        // A second failure, the first of the new schedule: retried still, where it would have been the last of two.
        (await DeliveriesAsync(client, webhook.Id)).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Pending && d.AttemptCount == 2);
    }

    [Fact]
    public async Task A_disabled_webhook_refuses_pings_and_redeliveries_naming_what_to_do_and_can_still_be_deleted()
    {
        await using var scene = await api.DeliverySceneAsync();
        var path = $"/v1/webhooks/{scene.Webhook.Id}";
        var deliveryId = (await DeliveriesAsync(scene.Client, scene.Webhook.Id))[0].Id;
        await SwitchAsync(scene.Client, scene.Webhook.Id, WebhookStatus.Disabled);

        var ping = await (await scene.Client.PostAsync($"{path}/ping", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, WebhookEndpoints.DisabledCode);
        await (await scene.RedeliverAsync(deliveryId)).ShouldBeProblemAsync(HttpStatusCode.Conflict, WebhookEndpoints.DisabledCode);

        ping.GetProperty("detail").GetString()!.ShouldContain("\"status\": \"enabled\"");
        (await api.CountAsync("select count(*) from webhook_deliveries where webhook_id = $1 and (event_type = $2 or redeliveries > 0)", scene.Webhook.Id, WebhookPing.Name)).ShouldBe(0);
        (await scene.Client.DeleteAsync(path)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await scene.Client.GetAsync(path)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_status_is_refused_unless_it_is_enabled_or_disabled_and_only_a_full_key_of_the_webhooks_organization_sets_it()
    {
        await using var scene = await api.DeliverySceneAsync();
        var path = $"/v1/webhooks/{scene.Webhook.Id}";

        var unknown = await (await scene.Client.PatchAsync(path, new StringContent("""{"status": "paused"}""", System.Text.Encoding.UTF8, "application/json")))
            .ShouldBeInvalidAsync("status");
        unknown.GetProperty("errors").GetProperty("status")[0].GetString()!.ShouldContain("enabled, disabled");
        (await (await scene.Client.GetAsync("/v1/webhooks?status=paused")).ShouldBeInvalidAsync("status"))
            .GetProperty("errors").GetProperty("status")[0].GetString()!.ShouldContain("enabled, disabled");
        var stranger = await api.RegisterAsync(OrganizationKind.Company);
        await (await stranger.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(Status: WebhookStatus.Disabled), ApiFixture.PartialChangeOptions))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        var (_, reader) = await api.IssueReadKeyAsync(scene.Company);
        await (await reader.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(Status: WebhookStatus.Disabled), ApiFixture.PartialChangeOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, ReadOnlyKeys.Code);

        var read = await scene.Client.GetAsync(path);
        read.Headers.ETag!.Tag.ShouldBe("\"1\"");
        (await read.Content.ReadFromJsonAsync<WebhookResponse>(ApiFixture.JsonOptions))!.Status.ShouldBe(WebhookStatus.Enabled);
    }

    [Fact]
    public async Task Disabling_follows_if_match_and_disabling_again_changes_nothing()
    {
        await using var scene = await api.DeliverySceneAsync();
        var path = $"/v1/webhooks/{scene.Webhook.Id}";
        HttpRequestMessage Disable(string etag) => new(HttpMethod.Patch, path)
        {
            Content = JsonContent.Create(new UpdateWebhookRequest(Status: WebhookStatus.Disabled), options: ApiFixture.PartialChangeOptions),
            Headers = { { "If-Match", etag } },
        };

        await (await scene.Client.SendAsync(Disable("\"7\""))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        var disabled = await scene.Client.SendAsync(Disable("\"1\""));
        disabled.Headers.ETag!.Tag.ShouldBe("\"2\"");
        var at = (await disabled.Content.ReadFromJsonAsync<WebhookResponse>(ApiFixture.JsonOptions))!.DisabledAt;
        scene.Clock.Advance(TimeSpan.FromHours(1));
        var again = await scene.Client.SendAsync(Disable("\"2\""));

        again.Headers.ETag!.Tag.ShouldBe("\"2\"");
        (await again.Content.ReadFromJsonAsync<WebhookResponse>(ApiFixture.JsonOptions))!.DisabledAt.ShouldBe(at);
    }

    private static async Task<WebhookResponse> SwitchAsync(HttpClient client, string webhookId, WebhookStatus status)
    {
        var switched = await client.PatchAsJsonAsync($"/v1/webhooks/{webhookId}", new UpdateWebhookRequest(Status: status), ApiFixture.PartialChangeOptions);
        switched.StatusCode.ShouldBe(HttpStatusCode.OK, await switched.Content.ReadAsStringAsync());
        var webhook = (await switched.Content.ReadFromJsonAsync<WebhookResponse>(ApiFixture.JsonOptions))!;
        webhook.Status.ShouldBe(status);
        return webhook;
    }
}
