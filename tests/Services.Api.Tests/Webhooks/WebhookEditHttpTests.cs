using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Http;
using Services.Api.Common;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;

namespace Services.Api.Tests.Webhooks;

/// <summary>A webhook moved to another URL or given other event types: its pending deliveries follow, its version moves on only when something changed.</summary>
public sealed class WebhookEditHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_webhook_moved_to_another_url_takes_its_pending_deliveries_there_and_its_version_moves_on()
    {
        await using var scene = await api.DeliverySceneAsync();
        await using var moved = await Receiver.StartAsync(scene.Clock, failFirst: 0);
        var path = $"/v1/webhooks/{scene.Webhook.Id}";

        var updated = await scene.Client.SendAsync(new HttpRequestMessage(HttpMethod.Patch, path)
        {
            Content = JsonContent.Create(new UpdateWebhookRequest(Url: moved.Url, Description: ""), options: ApiFixture.PartialChangeOptions),
            Headers = { { "If-Match", "\"1\"" } },
        });

        updated.StatusCode.ShouldBe(HttpStatusCode.OK, await updated.Content.ReadAsStringAsync());
        updated.Headers.ETag!.Tag.ShouldBe("\"2\"");
        var webhook = (await updated.Content.ReadFromJsonAsync<WebhookResponse>(ApiFixture.JsonOptions))!;
        (webhook.Url, webhook.Description).ShouldBe((moved.Url, (string?)null));
        webhook.EventTypes.ShouldBe(scene.Webhook.EventTypes);
        scene.Clock.Advance(TimeSpan.FromMinutes(1));
        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(6);
        moved.Requests.Count.ShouldBe(6);
        scene.Receiver.Requests.ShouldBeEmpty();
        foreach (var request in moved.Requests)
            Services.Client.WebhookSignature.Verify(scene.Webhook.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue();

        var retyped = await scene.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(EventTypes: ["*", "*"]), ApiFixture.PartialChangeOptions);
        retyped.Headers.ETag!.Tag.ShouldBe("\"3\"");
        var both = (await retyped.Content.ReadFromJsonAsync<WebhookResponse>(ApiFixture.JsonOptions))!;
        (both.Url, both.EventTypes.Single()).ShouldBe((moved.Url, "*"));
        var stale = new HttpRequestMessage(HttpMethod.Delete, path) { Headers = { { "If-Match", "\"2\"" } } };
        await (await scene.Client.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        var current = new HttpRequestMessage(HttpMethod.Delete, path) { Headers = { { "If-Match", "\"3\"" } } };
        (await scene.Client.SendAsync(current)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Deliveries_claimed_before_a_move_and_sent_after_it_go_to_the_new_url()
    {
        await using var moved = await Receiver.StartAsync(TimeProvider.System, failFirst: 0);
        HttpStatusCode? edit = null;
        await using var scene = await api.DeliverySceneAsync(async (scene, _) =>
            edit = (await scene.Client.PatchAsJsonAsync($"/v1/webhooks/{scene.Webhook.Id}", new UpdateWebhookRequest(Url: moved.Url), ApiFixture.PartialChangeOptions)).StatusCode);
        scene.Clock.Advance(TimeSpan.FromMinutes(1));

        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(6);

        edit.ShouldBe(HttpStatusCode.OK);
        scene.Receiver.Requests.Count.ShouldBe(1);
        moved.Requests.Count.ShouldBe(5);
    }

    [Fact]
    public async Task An_edit_that_changes_nothing_keeps_the_version()
    {
        await using var scene = await api.DeliverySceneAsync();
        var path = $"/v1/webhooks/{scene.Webhook.Id}";

        var same = await scene.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(Url: scene.Webhook.Url, EventTypes: scene.Webhook.EventTypes), ApiFixture.PartialChangeOptions);

        same.StatusCode.ShouldBe(HttpStatusCode.OK, await same.Content.ReadAsStringAsync());
        same.Headers.ETag!.Tag.ShouldBe("\"1\"");
        (await scene.Client.GetAsync(path)).Headers.ETag!.Tag.ShouldBe("\"1\"");
    }

    [Fact]
    public async Task An_edit_is_refused_naming_the_field_and_only_the_webhooks_organization_makes_it()
    {
        await using var scene = await api.DeliverySceneAsync();
        var path = $"/v1/webhooks/{scene.Webhook.Id}";

        await (await scene.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(Url: "http://example.org/hook"), ApiFixture.PartialChangeOptions)).ShouldBeInvalidAsync("url");
        await (await scene.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(EventTypes: ["booking.nothing"]), ApiFixture.PartialChangeOptions)).ShouldBeInvalidAsync("eventTypes[0]");
        var stale = new HttpRequestMessage(HttpMethod.Patch, path)
        {
            Content = JsonContent.Create(new UpdateWebhookRequest(EventTypes: ["*"]), options: ApiFixture.PartialChangeOptions),
            Headers = { { "If-Match", "\"7\"" } },
        };
        await (await scene.Client.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        var stranger = await api.RegisterAsync(OrganizationKind.Company);
        await (await stranger.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(EventTypes: ["*"]), ApiFixture.PartialChangeOptions)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        (await scene.Client.GetFromJsonAsync<WebhookResponse>(path, ApiFixture.JsonOptions))!.EventTypes.ShouldBe(scene.Webhook.EventTypes);
    }

    [Theory]
    [InlineData("url", "leave the field out to keep its value.")]
    [InlineData("eventTypes", "Send [\"*\"] to receive every event.")]
    [InlineData("description", "Send \"\" to remove the description.")]
    [InlineData("status", "Send \"disabled\" to stop its deliveries, \"enabled\" to resume them.")]
    public async Task A_field_sent_as_null_is_refused_rather_than_read_as_left_out(string field, string instead)
    {
        await using var scene = await api.DeliverySceneAsync();
        var path = $"/v1/webhooks/{scene.Webhook.Id}";

        var problem = await (await scene.Client.PatchAsync(path, new StringContent($$"""{"{{field}}": null}""", System.Text.Encoding.UTF8, "application/json")))
            .ShouldBeInvalidAsync(field);

        problem.GetProperty("errors").GetProperty(field)[0].GetString()!.ShouldEndWith(instead);
        (await scene.Client.GetAsync(path)).Headers.ETag!.Tag.ShouldBe("\"1\"");
    }
}
