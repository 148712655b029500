using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Security;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;

namespace Services.Api.Tests.Security;

/// <summary>The fixture's API runs with <see cref="ApiFixture.MasterKey"/>; the variants here, on its database, with other keys.</summary>
public sealed class MasterKeyRotationTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly string NewKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBox.KeySize));

    /// <param name="OtherSlotId">For a second booking of one beneficiary: a slot holds one live booking per beneficiary.</param>
    private sealed record Scene(Actor Company, string SubscriptionId, string SlotId, string OtherSlotId);

    private async Task<Scene> SceneAsync()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var other = await api.ScheduleSlotAsync(club, offer.Id);
        return new Scene(company, subscription.Id, slot.Id, other.Id);
    }

    private static HttpRequestMessage Booking(Scene scene, string beneficiaryRef, ContactDetails? contact, string? idempotencyKey = null, string? slotId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/bookings")
        {
            Content = JsonContent.Create(new BookSeatRequest(scene.SubscriptionId, slotId ?? scene.SlotId, 1, beneficiaryRef, contact), options: ApiFixture.JsonOptions),
        };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    /// <summary>The API on the fixture's database with these settings, its logs captured.</summary>
    private WebApplicationFactory<Program> Variant(CapturedLogs logs, params (string Key, string Value)[] settings) =>
        api.Factory.WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings) web.UseSetting(key, value);
            web.ConfigureLogging(logging => logging.AddProvider(logs));
        });

    private static HttpClient ClientFor(WebApplicationFactory<Program> factory, Actor actor)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = actor.Client.DefaultRequestHeaders.Authorization;
        return client;
    }

    private static async Task<BookingContact?> ContactAsync(HttpClient client, string bookingId) =>
        (await client.GetFromJsonAsync<BookingResponse>($"/v1/bookings/{bookingId}", ApiFixture.JsonOptions))!.Contact;

    private async Task<byte[]> StoredAsync(string sql, string id)
    {
        await using var command = api.Service<NpgsqlDataSource>().CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return (byte[])(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Secrets_sealed_under_the_old_master_key_open_once_it_is_a_previous_key_are_wrapped_again_and_still_open_after_it_is_dropped()
    {
        var scene = await SceneAsync();
        var contact = new ContactDetails("Camille Martin", "camille.rotation@example.org");
        var booked = await scene.Company.Client.SendAsync(Booking(scene, "hr-rotation", contact, idempotencyKey: "rotation-1"));
        booked.StatusCode.ShouldBe(HttpStatusCode.Created, await booked.Content.ReadAsStringAsync());
        var booking = (await booked.Content.ReadFromJsonAsync<BookingResponse>(ApiFixture.JsonOptions))!;
        await using var loopback = api.Factory.WithWebHostBuilder(web => web.UseSetting("Webhooks:AllowHttpLoopback", "true"));
        var created = await ClientFor(loopback, scene.Company).PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest("http://127.0.0.1:9/hook", ["offer.*"], "rotation"), ApiFixture.JsonOptions);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var webhook = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!;

        // First every node learns the new key as a previous one, the old still current: its start's pass changes nothing.
        var sealedSecret = await StoredAsync("select sealed_secret from webhooks where webhook_id = $1", webhook.Id);
        await using (var announced = Variant(new CapturedLogs(), (MasterKey.ConfigurationKey, ApiFixture.MasterKey), (MasterKey.PreviousConfigurationKey, NewKey)))
        {
            (await announced.Services.GetRequiredService<SecretsRewrap>().RunAsync(CancellationToken.None)).Rewrapped.ShouldBe(0);
        }
        (await StoredAsync("select sealed_secret from webhooks where webhook_id = $1", webhook.Id)).ShouldBe(sealedSecret);

        var logs = new CapturedLogs();
        await using (var rotated = Variant(logs, (MasterKey.ConfigurationKey, NewKey), (MasterKey.PreviousConfigurationKey, ApiFixture.MasterKey),
                         ($"Logging:LogLevel:{typeof(SecretsRewrap).FullName}", "Information")))
        {
            var company = ClientFor(rotated, scene.Company);
            (await ContactAsync(company, booking.Id)).ShouldBe(BookingContact.Available(contact));
            (await company.SendAsync(Booking(scene, "hr-rotation", contact, idempotencyKey: "rotation-1"))).Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);

            // The pass each start makes with previous keys may be running too: this one ends with none left behind.
            var outcome = await rotated.Services.GetRequiredService<SecretsRewrap>().RunAsync(CancellationToken.None);
            outcome.Unopened.ShouldBe(0);
            logs.Lines.ShouldContain(line => line.Contains("All secrets at rest that Secrets:PreviousMasterKeys opens are wrapped under Secrets:MasterKey", StringComparison.Ordinal));
        }

        var newOnly = MasterKey.From(
            new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [MasterKey.ConfigurationKey] = NewKey }).Build(),
            api.Service<IHostEnvironment>(), generatingDocument: false);
        WebhookSecrets.Open(newOnly, webhook.Id, await StoredAsync("select sealed_secret from webhooks where webhook_id = $1", webhook.Id)).ShouldBe(webhook.Secret);
        await using var dropped = Variant(new CapturedLogs(), (MasterKey.ConfigurationKey, NewKey));
        var afterwards = ClientFor(dropped, scene.Company);
        (await ContactAsync(afterwards, booking.Id)).ShouldBe(BookingContact.Available(contact));
        var replayed = await afterwards.SendAsync(Booking(scene, "hr-rotation", contact, idempotencyKey: "rotation-1"));
        replayed.StatusCode.ShouldBe(HttpStatusCode.Created, await replayed.Content.ReadAsStringAsync());
        replayed.Headers.GetValues("Idempotent-Replayed").ShouldBe(["true"]);
        (await afterwards.SendAsync(Booking(scene, "hr-rotation", contact, slotId: scene.OtherSlotId))).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_booking_with_contact_details_whose_data_key_no_configured_master_key_opens_answers_503_secret_key_unavailable_logged_once()
    {
        var scene = await SceneAsync();
        var contact = new ContactDetails("Camille Durand", "camille.unknown@example.org");
        (await scene.Company.Client.SendAsync(Booking(scene, "hr-unknown-key", contact))).StatusCode.ShouldBe(HttpStatusCode.Created);
        var unknownKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBox.KeySize));
        var logs = new CapturedLogs();
        await using var changed = Variant(logs, (MasterKey.ConfigurationKey, unknownKey), (MasterKey.PreviousConfigurationKey, NewKey));
        var company = ClientFor(changed, scene.Company);

        for (var i = 0; i < 2; i++)
        {
            var refused = await company.SendAsync(Booking(scene, "hr-unknown-key", contact));
            var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, SecretKeyUnavailableException.Code);
            problem.GetProperty("detail").GetString()!.ShouldContain(MasterKey.PreviousConfigurationKey);
            problem.ToString().ShouldNotContain(unknownKey);
            problem.ToString().ShouldNotContain(ApiFixture.MasterKey);
        }
        (await company.SendAsync(Booking(scene, "hr-unknown-key", null, slotId: scene.OtherSlotId))).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await company.SendAsync(Booking(scene, "hr-another", contact))).StatusCode.ShouldBe(HttpStatusCode.Created);
        logs.Lines.Count(line => line.Contains("does not open with this node's master key", StringComparison.Ordinal)).ShouldBe(1);
        logs.Lines.ShouldNotContain(line => line.Contains("Unhandled error", StringComparison.Ordinal));
    }
}
