using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Feed;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;
using static Services.Api.Tests.Webhooks.WebhookScenes;

namespace Services.Api.Tests.Webhooks;

/// <summary>What a webhook's receiver gets: every event it asked for that its organization may see, signed, in the feed's order, retried until accepted.</summary>
public sealed class WebhookDeliveryHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Deliveries_are_listed_page_after_page_newest_first_and_filtered_by_status()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock);
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var (company, webhook) = await api.CompanyWithDeliveriesAsync(clocked, receiver.Url);
        var client = clocked.ClientFor(company);
        clock.Advance(TimeSpan.FromMinutes(1));
        await DrainAsync(clocked, worker, client, webhook.Id);
        var all = await DeliveriesAsync(client, webhook.Id);
        all.Count.ShouldBeGreaterThan(2);
        all.ShouldBe(all.OrderByDescending(d => d.CreatedAt).ToList());
        var redelivered = all[1];
        (await client.PostAsync($"/v1/webhooks/{webhook.Id}/deliveries/{redelivered.Id}/redeliver", null)).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var path = $"/v1/webhooks/{webhook.Id}/deliveries";
        (await client.AllPagesAsync<WebhookDeliveryResponse>(path, pageSize: 2)).Select(d => d.Id).ShouldBe(all.Select(d => d.Id));
        (await client.AllPagesAsync<WebhookDeliveryResponse>($"{path}?status=delivered", pageSize: 2)).Select(d => d.Id)
            .ShouldBe(all.Where(d => d.Id != redelivered.Id).Select(d => d.Id));
        (await client.ListAsync<WebhookDeliveryResponse>($"{path}?status=pending")).Data.ShouldHaveSingleItem().Id.ShouldBe(redelivered.Id);
        (await client.ListAsync<WebhookDeliveryResponse>($"{path}?status=failed")).Data.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_receiver_that_fails_the_first_attempts_still_gets_every_event_signed_once_accepted_with_the_same_event_id()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock);
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 3);

        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var stranger = await api.RegisterMemberAsync(club);
        var companyClient = clocked.ClientFor(company);
        var webhook = await CreateAsync(companyClient, receiver.Url, "booking.*", "subscription.subscribed");
        webhook.Secret.ShouldStartWith("whsec_");

        var subscription = await api.SubscribeAsync(company, offer.Id);
        var strangerSubscription = await api.SubscribeAsync(stranger, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id, capacity: 1);
        var first = await api.BookAsync(company, subscription.Id, slot.Id);
        var second = await api.BookAsync(company, subscription.Id, slot.Id); // waitlisted
        var strangers = await api.BookAsync(stranger, strangerSubscription.Id, slot.Id);
        await api.CancelBookingAsync(company, first.Id); // promotes the next one in the waitlist
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        await api.CaughtUpAsync(FeedRegistration.FeedShard);

        // What the webhook must get: the company's visible events of those types, as the change feed lists them.
        var feed = await companyClient.GetFromJsonAsync<EventPage>("/v1/events?limit=500", ApiFixture.JsonOptions);
        var expected = feed!.Data.Where(e => e.Type.StartsWith("booking.", StringComparison.Ordinal) || e.Type == "subscription.subscribed").ToList();
        expected.Count.ShouldBeGreaterThan(5);

        clock.Advance(TimeSpan.FromMinutes(1));
        await DrainAsync(clocked, worker, companyClient, webhook.Id);

        var requests = receiver.Requests.ToList();
        requests.Count.ShouldBe(expected.Count + 3);
        foreach (var request in requests)
        {
            Services.Client.WebhookSignature.Verify(webhook.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue(request.Body);
            Services.Client.WebhookSignature.Verify("whsec_wrong", request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeFalse();
            var body = JsonSerializer.Deserialize<EventResponse>(request.Body, ApiFixture.JsonOptions)!;
            request.EventId.ShouldBe(body.Id.ToString());
            // As the contract's webhooks section tells a receiver of this event.
            var (headers, requiredData) = Contract.Webhook(body.Type);
            var sent = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
            {
                [WebhookSignature.Header] = request.Signature, [WebhookDeliveryWorker.EventIdHeader] = request.EventId, [WebhookDeliveryWorker.DeliveryIdHeader] = request.DeliveryId,
            };
            headers.Keys.ShouldBe(sent.Keys, ignoreOrder: true);
            foreach (var (header, pattern) in headers.Where(h => h.Value is not null)) System.Text.RegularExpressions.Regex.IsMatch(sent[header]!, pattern!).ShouldBeTrue($"{header}: {sent[header]}");
            foreach (var field in requiredData) body.Data.TryGetProperty(field, out var _).ShouldBeTrue($"{body.Type} without {field}");
        }
        // Every event accepted exactly once; retries carry the same event id and body.
        var accepted = requests.Where(r => r.Answered < 300).Select(r => JsonSerializer.Deserialize<EventResponse>(r.Body, ApiFixture.JsonOptions)!).ToList();
        accepted.Select(e => e.Id).Order().ShouldBe(expected.Select(e => e.Id).Order());
        foreach (var e in expected) accepted.Single(a => a.Id == e.Id).Data.GetRawText().ShouldBe(e.Data.GetRawText());
        foreach (var group in requests.GroupBy(r => r.EventId)) group.Select(r => r.Body).Distinct().Count().ShouldBe(1);
        requests.Where(r => r.Answered >= 500).ShouldAllBe(r => requests.Any(a => a.EventId == r.EventId && a.Answered < 300));
        // Never another organization's booking.
        requests.ShouldNotContain(r => r.Body.Contains(strangers.Id, StringComparison.Ordinal));
        // Events whose data is empty still say which booking, as the feed does.
        accepted.Single(e => e.Type == "booking.confirmed").Subject.ShouldBe(new EventSubject("booking", first.Id));
        accepted.Single(e => e.Type == "booking.promoted").Subject.ShouldBe(new EventSubject("booking", second.Id));
        foreach (var e in expected) accepted.Single(a => a.Id == e.Id).Subject.ShouldBe(e.Subject);

        // Attempts recorded: the retried deliveries show their 500s then the success.
        var deliveries = await DeliveriesAsync(companyClient, webhook.Id);
        deliveries.Count.ShouldBe(expected.Count);
        deliveries.ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Delivered);
        deliveries.Sum(d => d.AttemptCount).ShouldBe(expected.Count + 3);
        var retried = deliveries.Where(d => d.AttemptCount > 1).ToList();
        retried.ShouldNotBeEmpty();
        foreach (var d in retried)
        {
            d.Attempts.Select(a => a.StatusCode).ShouldBe([.. Enumerable.Repeat<int?>(500, d.AttemptCount - 1), 204]);
            d.Attempts[0].Error.ShouldNotBeNull();
            d.Attempts[^1].Error.ShouldBeNull();
            d.Attempts.Select(a => a.AttemptedAt).ShouldBeInOrder();
        }

        // Redelivery: sent again now with the same event id.
        var target = deliveries[0];
        var redelivered = await companyClient.PostAsync($"/v1/webhooks/{webhook.Id}/deliveries/{target.Id}/redeliver", null);
        redelivered.StatusCode.ShouldBe(HttpStatusCode.Accepted, await redelivered.Content.ReadAsStringAsync());
        (await redelivered.Content.ReadFromJsonAsync<WebhookDeliveryResponse>(ApiFixture.JsonOptions))!.Status.ShouldBe(WebhookDeliveryStatus.Pending);
        (await worker.RunOnceAsync(CancellationToken.None)).ShouldBe(1);
        var last = receiver.Requests.Last();
        last.EventId.ShouldBe(target.EventId.ToString());
        last.DeliveryId.ShouldBe(target.Id);
        (await DeliveriesAsync(companyClient, webhook.Id)).Single(d => d.Id == target.Id).AttemptCount.ShouldBe(target.AttemptCount + 1);
    }

    [Fact]
    public async Task An_organizations_deliveries_go_out_in_the_feeds_order_also_within_one_transaction()
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
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        for (var i = 0; i < 6; i++) await api.BookAsync(company, subscription.Id, slot.Id); // requested and confirmed in one transaction each
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        await api.CaughtUpAsync(FeedRegistration.FeedShard);
        var feed = await client.GetFromJsonAsync<EventPage>("/v1/events?limit=500", ApiFixture.JsonOptions);

        clock.Advance(TimeSpan.FromMinutes(1));
        await DrainAsync(clocked, worker, client, webhook.Id);

        var inFeedOrder = feed!.Data.Where(e => e.Type.StartsWith("booking.", StringComparison.Ordinal)).Select(e => e.Id.ToString()).ToList();
        inFeedOrder.Count.ShouldBe(12);
        receiver.Requests.Select(r => r.EventId).ShouldBe(inFeedOrder);
    }

    [Fact]
    public async Task A_delivery_that_got_through_is_recorded_even_when_the_node_stops_as_the_answer_comes_in()
    {
        using var stopping = new CancellationTokenSource();
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock,
            services => services.AddHttpClient(WebhookDeliveryWorker.HttpClientName).AddHttpMessageHandler(() => new StopsOnceAnswered(stopping)));
        await using var _ = clocked;
        await api.RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var (company, webhook) = await api.CompanyWithDeliveriesAsync(clocked, receiver.Url);
        clock.Advance(TimeSpan.FromMinutes(1));

        await worker.RunOnceAsync(stopping.Token);

        var sent = receiver.Requests.ShouldHaveSingleItem().DeliveryId;
        var delivery = (await DeliveriesAsync(clocked.ClientFor(company), webhook.Id)).Single(d => d.Id == sent);
        delivery.Status.ShouldBe(WebhookDeliveryStatus.Delivered);
        delivery.AttemptCount.ShouldBe(1);
    }

    /// <summary>Stops the worker (cancels the token it runs with) once a receiver's answer is in, before the worker records it.</summary>
    private sealed class StopsOnceAnswered(CancellationTokenSource stopping) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            await stopping.CancelAsync();
            return response;
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // by a node of the version before the owner's kind was kept, during an upgrade
    public async Task A_partners_webhook_gets_the_needs_of_its_territory_without_the_company_that_recorded_them(bool madeWithoutItsKind)
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, worker) = await api.ClockedAsync(clock);
        await using var __ = clocked;
        await api.RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var partner = await api.RegisterAsync(OrganizationKind.Partner);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterMemberAsync(club);
        var webhook = await CreateAsync(clocked.ClientFor(partner), receiver.Url, "need.*");
        if (madeWithoutItsKind) await api.ExecuteAsync("update webhooks set organization_kind = null where webhook_id = $1", webhook.Id);
        var need = await api.RecordNeedAsync(company);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        clock.Advance(TimeSpan.FromMinutes(1));

        await worker.RunOnceAsync(CancellationToken.None);

        var recorded = receiver.Requests.Select(r => JsonDocument.Parse(r.Body).RootElement)
            .Single(e => e.GetProperty("type").GetString() == "need.recorded" && e.GetProperty("data").GetProperty("needId").GetString() == need.Id);
        recorded.GetProperty("data").TryGetProperty("companyId", out _).ShouldBeFalse();
        recorded.GetProperty("subject").GetProperty("type").GetString().ShouldBe("need");
        recorded.GetProperty("subject").GetProperty("id").GetString().ShouldBe(need.Id);
        receiver.Requests.ShouldNotContain(r => r.Body.Contains(company.Id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Deliveries_queued_for_a_webhook_as_it_was_deleted_are_ended_not_left_pending()
    {
        await using var scene = await api.DeliverySceneAsync();
        (await scene.Client.DeleteAsync($"/v1/webhooks/{scene.Webhook.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        // What an outbox page that read the webhook before its deletion committed writes after it.
        await api.ExecuteAsync("""
            insert into webhook_deliveries (delivery_id, webhook_id, event_id, event_type, body, status, next_attempt_at, created_at)
            values ('dlv_queued_as_it_was_deleted', $1, $2, 'booking.requested', '{}', 'pending', now(), now())
            """, scene.Webhook.Id, Guid.NewGuid());
        scene.Clock.Advance(TimeSpan.FromMinutes(1));

        await scene.Worker.RunOnceAsync(CancellationToken.None);

        (await api.CountAsync("select count(*) from webhook_deliveries where webhook_id = $1 and status = 'pending'", scene.Webhook.Id)).ShouldBe(0);
        (await api.CountAsync("select count(*) from webhook_deliveries where delivery_id = 'dlv_queued_as_it_was_deleted' and last_error = 'webhook deleted'")).ShouldBe(1);
        scene.Receiver.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Rebuilding_the_outbox_rebuilds_its_lookups_and_queues_nothing_twice_nor_old_events_for_types_widened_since()
    {
        var (clocked, _) = await api.ClockedAsync(new FakeClock(DateTimeOffset.UtcNow));
        await using var _ = clocked;
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var webhook = await CreateAsync(clocked.ClientFor(club), "https://hooks.example.com/club", "booking.confirmed");
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        var queued = await DeliveriesAsync(club.Client, webhook.Id);
        queued.ShouldHaveSingleItem().EventType.ShouldBe("booking.confirmed");
        (await club.Client.PatchAsJsonAsync($"/v1/webhooks/{webhook.Id}", new UpdateWebhookRequest(EventTypes: ["*"]), ApiFixture.PartialChangeOptions)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Deliveries are kept, not reset: a rebuild must queue nothing twice, nor the events of before the widening.
        await api.RebuildEqualsLiveAsync(FeedRegistration.OutboxShard, FeedReading.AudienceLookups("rm_outbox"), kept: ["webhook_deliveries"]);
        (await DeliveriesAsync(club.Client, webhook.Id)).Select(d => d.Id).ShouldBe(queued.Select(d => d.Id));

        await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CaughtUpAsync(FeedRegistration.OutboxShard);
        (await DeliveriesAsync(club.Client, webhook.Id)).Select(d => d.EventType).ShouldContain("booking.requested", "later events are queued under the new types");
    }

    [Fact]
    public void A_failed_attempt_records_the_causes_of_its_error_not_only_the_outer_message()
    {
        var tls = new HttpRequestException("The SSL connection could not be established, see inner exception.",
            new System.Security.Authentication.AuthenticationException("The remote certificate is invalid because of errors in the certificate chain: NotTimeValid"));
        WebhookDeliveryWorker.Explain(tls).ShouldBe("The SSL connection could not be established, see inner exception. (The remote certificate is invalid because of errors in the certificate chain: NotTimeValid)");
        WebhookDeliveryWorker.Explain(new HttpRequestException("Connection refused")).ShouldBe("Connection refused");
        // A cause the outer message already quotes is not said twice.
        var refused = new HttpRequestException("example.com does not resolve to a public address (example.com:443)",
            new HttpRequestException("example.com does not resolve to a public address"));
        WebhookDeliveryWorker.Explain(refused).ShouldBe("example.com does not resolve to a public address (example.com:443)");
    }

    [Fact]
    public void The_default_schedule_spans_about_a_day()
    {
        var options = new WebhookOptions();
        var total = Enumerable.Range(1, options.MaxAttempts - 1).Aggregate(TimeSpan.Zero, (sum, n) => sum + options.Backoff(n, 0.5));
        total.TotalHours.ShouldBeInRange(20, 30);
        options.Backoff(1, 0).ShouldBeLessThan(options.Backoff(1, 0.99));
    }
}
