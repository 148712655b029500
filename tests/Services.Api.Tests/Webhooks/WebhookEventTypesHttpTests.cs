using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;

namespace Services.Api.Tests.Webhooks;

/// <summary>A webhook asks only for events that can reach its organization's kind: one that never could is refused, not left silent.</summary>
public sealed class WebhookEventTypesHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private async Task<HttpClient> ClientOfAsync(OrganizationKind kind) =>
        kind == OrganizationKind.Operator ? api.Operator : (await api.RegisterAsync(kind)).Client;

    private static Task<HttpResponseMessage> CreateAsync(HttpClient client, params string[] eventTypes) =>
        client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest("https://hooks.example.com/types", eventTypes), ApiFixture.JsonOptions);

    [Theory]
    [InlineData(OrganizationKind.Company, "slot.waitlist_left")] // the offer's club and providers only
    [InlineData(OrganizationKind.Company, "demo.*")] // the operator's only
    [InlineData(OrganizationKind.Company, "demo.territory_loaded")]
    [InlineData(OrganizationKind.Partner, "booking.*")]
    [InlineData(OrganizationKind.Partner, "organization.member_admitted")]
    [InlineData(OrganizationKind.Provider, "subscription.*")]
    [InlineData(OrganizationKind.Provider, "need.recorded")]
    [InlineData(OrganizationKind.Club, "organization.subscription_opened")]
    public async Task A_type_that_never_reaches_the_callers_kind_is_refused_naming_the_entry_and_what_the_kind_receives(OrganizationKind kind, string unreachable)
    {
        var client = await ClientOfAsync(kind);

        var problem = await (await CreateAsync(client, "offer.*", unreachable)).ShouldBeInvalidAsync("eventTypes[1]");

        var message = problem.GetProperty("errors").GetProperty("eventTypes[1]")[0].GetString()!;
        message.ShouldContain($"'{unreachable}'");
        message.ShouldContain($"a {WireName.Of(kind)}");
        var receives = message[message.IndexOf(": it receives ", StringComparison.Ordinal)..];
        receives.ShouldContain("offer.*"); // every kind receives the catalog's events
        receives.ShouldNotContain(unreachable.TrimEnd('*'));
        problem.GetProperty("errors").TryGetProperty("eventTypes[0]", out _).ShouldBeFalse();
    }

    [Theory]
    [InlineData(OrganizationKind.Company, "slot.seat_reserved")]
    [InlineData(OrganizationKind.Company, "slot.*")] // some slot events reach it: the others are simply never sent
    [InlineData(OrganizationKind.Company, "organization.member_admitted")]
    [InlineData(OrganizationKind.Company, "*")]
    [InlineData(OrganizationKind.Club, "slot.waitlist_left")]
    [InlineData(OrganizationKind.Club, "subscription.*")]
    [InlineData(OrganizationKind.Partner, "need.*")]
    [InlineData(OrganizationKind.Provider, "beneficiary.erased")]
    [InlineData(OrganizationKind.Operator, "demo.*")]
    public async Task A_type_that_can_reach_the_callers_kind_is_accepted(OrganizationKind kind, string reachable)
    {
        var client = await ClientOfAsync(kind);

        var created = await CreateAsync(client, reachable);

        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        await DeleteAsync(client, created);
    }

    [Fact]
    public async Task An_edit_to_a_type_that_never_reaches_the_caller_is_refused_and_changes_nothing()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var created = await CreateAsync(company.Client, "booking.*");
        var webhook = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!;
        var path = $"/v1/webhooks/{webhook.Id}";

        await (await company.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(EventTypes: ["booking.*", "slot.waitlist_promoted"]), ApiFixture.PartialChangeOptions))
            .ShouldBeInvalidAsync("eventTypes[1]");

        (await company.Client.GetFromJsonAsync<WebhookResponse>(path, ApiFixture.JsonOptions))!.EventTypes.ShouldBe(["booking.*"]);
    }

    [Fact]
    public async Task The_operator_editing_a_companys_webhook_gives_it_only_types_that_reach_a_company()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var created = await CreateAsync(company.Client, "booking.*");
        var webhook = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!;
        var path = $"/v1/webhooks/{webhook.Id}";

        var problem = await (await api.Operator.PatchAsJsonAsync(path, new UpdateWebhookRequest(EventTypes: ["booking.*", "slot.waitlist_left"]), ApiFixture.PartialChangeOptions))
            .ShouldBeInvalidAsync("eventTypes[1]");
        problem.GetProperty("errors").GetProperty("eventTypes[1]")[0].GetString()!.ShouldContain($"a {WireName.Of(OrganizationKind.Company)}");
        (await company.Client.GetFromJsonAsync<WebhookResponse>(path, ApiFixture.JsonOptions))!.EventTypes.ShouldBe(["booking.*"]);

        var edited = await api.Operator.PatchAsJsonAsync(path, new UpdateWebhookRequest(EventTypes: ["booking.*", "slot.seat_reserved"]), ApiFixture.PartialChangeOptions);
        edited.StatusCode.ShouldBe(HttpStatusCode.OK, await edited.Content.ReadAsStringAsync());
        (await edited.Content.ReadFromJsonAsync<WebhookResponse>(ApiFixture.JsonOptions))!.EventTypes.ShouldBe(["booking.*", "slot.seat_reserved"]);
    }

    [Fact]
    public async Task A_webhook_registered_with_an_unreachable_type_before_the_check_still_takes_edits_of_its_other_fields()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var created = await CreateAsync(company.Client, "booking.*");
        var webhook = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!;
        await api.ExecuteAsync("update webhooks set event_types = $2 where webhook_id = $1", webhook.Id, new[] { "booking.*", "slot.waitlist_left" });
        var path = $"/v1/webhooks/{webhook.Id}";

        var moved = await company.Client.PatchAsJsonAsync(path, new UpdateWebhookRequest(Url: "https://hooks.example.com/moved", Description: "kept"), ApiFixture.PartialChangeOptions);

        moved.StatusCode.ShouldBe(HttpStatusCode.OK, await moved.Content.ReadAsStringAsync());
        var edited = (await moved.Content.ReadFromJsonAsync<WebhookResponse>(ApiFixture.JsonOptions))!;
        (edited.Url, edited.Description).ShouldBe(("https://hooks.example.com/moved", "kept"));
        edited.EventTypes.ShouldBe(["booking.*", "slot.waitlist_left"]);
    }

    /// <summary>Organizations have a bounded number of webhooks: the operator's are shared by every test.</summary>
    private static async Task DeleteAsync(HttpClient client, HttpResponseMessage created)
    {
        var webhook = (await created.Content.ReadFromJsonAsync<CreatedWebhookResponse>(ApiFixture.JsonOptions))!;
        (await client.DeleteAsync($"/v1/webhooks/{webhook.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }
}
