using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;
using Services.Api.Common;
using Services.Api.Security;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;
using static Services.Api.Tests.Webhooks.WebhookScenes;

namespace Services.Api.Tests.Webhooks;

/// <summary>A webhook's signing secret: what its signatures prove, its rotation with a day's overlap, and deliveries whose master key is away.</summary>
public sealed class WebhookSecretsHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_rotated_secret_signs_every_delivery_and_the_previous_one_signs_too_for_a_day()
    {
        await using var scene = await api.DeliverySceneAsync();
        var (old, receiver) = (scene.Webhook.Secret, scene.Receiver);

        var rotation = await scene.Client.PostAsync($"/v1/webhooks/{scene.Webhook.Id}/rotate-secret", null);

        rotation.StatusCode.ShouldBe(HttpStatusCode.OK, await rotation.Content.ReadAsStringAsync());
        var rotated = (await rotation.Content.ReadFromJsonAsync<RotatedWebhookSecretResponse>(ApiFixture.JsonOptions))!;
        rotated.Secret.ShouldStartWith("whsec_");
        rotated.Secret.ShouldNotBe(old);
        rotated.PreviousSecretValidUntil.ShouldBe(scene.Clock.GetUtcNow().AddHours(24), TimeSpan.FromMilliseconds(1));
        scene.Clock.Advance(TimeSpan.FromMinutes(1));
        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(6);
        foreach (var request in receiver.Requests)
        {
            Services.Client.WebhookSignature.Verify(rotated.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue();
            Services.Client.WebhookSignature.Verify(old, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue();
        }

        scene.Clock.Advance(TimeSpan.FromHours(24));
        (await scene.RedeliverAsync(receiver.Requests.First().DeliveryId!)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(1);
        var later = receiver.Requests.Last();
        Services.Client.WebhookSignature.Verify(rotated.Secret, later.Signature, later.Body, Services.Client.WebhookSignature.DefaultTolerance, later.At).ShouldBeTrue();
        Services.Client.WebhookSignature.Verify(old, later.Signature, later.Body, Services.Client.WebhookSignature.DefaultTolerance, later.At).ShouldBeFalse();
        var stranger = await api.RegisterAsync(OrganizationKind.Company);
        await (await stranger.Client.PostAsync($"/v1/webhooks/{scene.Webhook.Id}/rotate-secret", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Of_two_rotations_made_from_one_read_the_second_is_refused_rather_than_making_the_first_ones_secret_the_previous_one()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var webhook = await CreateAsync(company.Client, "https://hooks.example.com/rotations", "booking.*");
        var read = (await company.Client.GetAsync($"/v1/webhooks/{webhook.Id}")).Headers.ETag!.Tag;

        var first = await company.Client.SendAsync(IfMatch(HttpMethod.Post, $"/v1/webhooks/{webhook.Id}/rotate-secret", read));
        var second = await company.Client.SendAsync(IfMatch(HttpMethod.Post, $"/v1/webhooks/{webhook.Id}/rotate-secret", read));

        first.StatusCode.ShouldBe(HttpStatusCode.OK, await first.Content.ReadAsStringAsync());
        await second.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
    }

    [Fact]
    public async Task A_rotation_answers_the_webhooks_new_version_as_its_ETag()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var webhook = await CreateAsync(company.Client, "https://hooks.example.com/rotated", "booking.*");

        var rotation = await company.Client.PostAsync($"/v1/webhooks/{webhook.Id}/rotate-secret", null);

        rotation.StatusCode.ShouldBe(HttpStatusCode.OK, await rotation.Content.ReadAsStringAsync());
        rotation.Headers.ETag?.Tag.ShouldBe("\"2\"");
        (await company.Client.GetAsync($"/v1/webhooks/{webhook.Id}")).Headers.ETag?.Tag.ShouldBe(rotation.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task A_webhook_shows_until_when_its_previous_secret_still_signs_and_null_before_any_rotation()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var webhook = await CreateAsync(company.Client, "https://hooks.example.com/overlap", "booking.*");
        var path = $"/v1/webhooks/{webhook.Id}";
        (await company.Client.GetFromJsonAsync<WebhookResponse>(path, ApiFixture.JsonOptions))!.PreviousSecretValidUntil.ShouldBeNull();

        var rotated = (await (await company.Client.PostAsync($"{path}/rotate-secret", null)).Content.ReadFromJsonAsync<RotatedWebhookSecretResponse>(ApiFixture.JsonOptions))!;

        var shown = (await company.Client.GetFromJsonAsync<WebhookResponse>(path, ApiFixture.JsonOptions))!.PreviousSecretValidUntil;
        shown.ShouldNotBeNull().ShouldBe(rotated.PreviousSecretValidUntil, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Deliveries_claimed_before_a_rotation_and_sent_after_it_are_signed_with_the_new_secret()
    {
        RotatedWebhookSecretResponse? rotated = null;
        await using var scene = await api.DeliverySceneAsync(async (scene, _) =>
            rotated = await (await scene.Client.PostAsync($"/v1/webhooks/{scene.Webhook.Id}/rotate-secret", null)).Content.ReadFromJsonAsync<RotatedWebhookSecretResponse>(ApiFixture.JsonOptions));
        scene.Clock.Advance(TimeSpan.FromMinutes(1));

        (await scene.Worker.RunOnceAsync(CancellationToken.None)).ShouldBe(6);

        rotated.ShouldNotBeNull();
        foreach (var request in scene.Receiver.Requests.Skip(1))
            Services.Client.WebhookSignature.Verify(rotated.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue();
    }

    [Fact]
    public async Task Deliveries_whose_signing_secret_no_configured_master_key_opens_wait_without_counting_attempts_and_go_out_once_their_key_is_back()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, _) = await api.ClockedAsync(clock);
        await using var __ = clocked;
        await api.RetireEarlierWebhooksAsync();
        await using var receiver = await Receiver.StartAsync(clock, failFirst: 0);
        var (company, webhook) = await api.CompanyWithDeliveriesAsync(clocked, receiver.Url);
        var newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBox.KeySize));
        var (changed, changedWorker) = await api.ClockedAsync(clock, (MasterKey.ConfigurationKey, newKey));
        await using var ___ = changed;

        // Far past the attempts a failing receiver gets (MaxAttempts over about a day).
        for (var day = 0; day < 12; day++)
        {
            clock.Advance(TimeSpan.FromDays(1));
            await changedWorker.RunOnceAsync(CancellationToken.None);
        }
        receiver.Requests.ShouldBeEmpty();
        var waiting = await DeliveriesAsync(changed.ClientFor(company), webhook.Id);
        waiting.ShouldNotBeEmpty();
        waiting.ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Pending && d.AttemptCount == 0);
        // Why, to the organization (attempts show nothing: none was made).
        waiting.ShouldAllBe(d => (d.LastError ?? "").StartsWith("Waiting, not attempted: the webhook's signing secret cannot be opened", StringComparison.Ordinal));

        // The old key comes back as the current one. (Back as a previous key, it would be re-wrapped at start: the whole
        // class's database would change key under the later tests; MasterKeyRotationTests covers that.)
        var (restored, restoredWorker) = await api.ClockedAsync(clock);
        await using var ____ = restored;
        clock.Advance(TimeSpan.FromDays(1));
        await restoredWorker.RunOnceAsync(CancellationToken.None);

        receiver.Requests.Count.ShouldBe(waiting.Count);
        foreach (var request in receiver.Requests)
            Services.Client.WebhookSignature.Verify(webhook.Secret, request.Signature, request.Body, Services.Client.WebhookSignature.DefaultTolerance, request.At).ShouldBeTrue();
        (await DeliveriesAsync(restored.ClientFor(company), webhook.Id)).ShouldAllBe(d => d.Status == WebhookDeliveryStatus.Delivered && d.AttemptCount == 1 && d.LastError == null);
    }

    [Fact]
    public void Signatures_verify_only_with_the_secret_the_body_and_a_recent_timestamp()
    {
        var at = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var header = WebhookSignature.Sign("whsec_abc", at, """{"id":1}""");
        header.ShouldStartWith($"t={at.ToUnixTimeSeconds()},v1=");
        Services.Client.WebhookSignature.Verify("whsec_abc", header, """{"id":1}""", TimeSpan.FromMinutes(5), at.AddMinutes(4)).ShouldBeTrue();
        Services.Client.WebhookSignature.Verify("whsec_abc", header, """{"id":2}""", TimeSpan.FromMinutes(5), at).ShouldBeFalse();
        Services.Client.WebhookSignature.Verify("whsec_abd", header, """{"id":1}""", TimeSpan.FromMinutes(5), at).ShouldBeFalse();
        Services.Client.WebhookSignature.Verify("whsec_abc", header, """{"id":1}""", TimeSpan.FromMinutes(5), at.AddMinutes(6)).ShouldBeFalse();
        Services.Client.WebhookSignature.Verify("whsec_abc", "garbage", """{"id":1}""", TimeSpan.FromMinutes(5), at).ShouldBeFalse();
        Services.Client.WebhookSignature.Verify("whsec_abc", null, """{"id":1}""", TimeSpan.FromMinutes(5), at).ShouldBeFalse();
        Services.Client.WebhookSignature.Verify("whsec_abc", header.Replace($"t={at.ToUnixTimeSeconds()}", "t=99999999999999", StringComparison.Ordinal), """{"id":1}""", TimeSpan.FromMinutes(5), at).ShouldBeFalse();
    }
}
