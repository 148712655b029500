using System.Net;
using System.Net.Http.Json;
using Services.Api.Common;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;
using static Services.Api.Tests.Webhooks.WebhookScenes;

namespace Services.Api.Tests.Webhooks;

/// <summary>Registering webhooks: only the organization's own, a bounded number, to HTTPS URLs of public hosts, with invalid requests naming the field.</summary>
public sealed class WebhookRegistrationHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_webhook_is_managed_by_its_organization_only_its_secret_is_shown_once_and_a_stale_if_match_keeps_it()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var (clocked, _) = await api.ClockedAsync(clock);
        await using var __ = clocked;
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var other = await api.RegisterAsync(OrganizationKind.Company);
        var client = clocked.ClientFor(company);
        var created = await CreateAsync(client, "https://hooks.example.com/services", "booking.confirmed", "need.*");
        created.EventTypes.ShouldBe(["booking.confirmed", "need.*"]);
        created.OrganizationId.ShouldBe(company.Id);

        var read = await client.GetAsync($"/v1/webhooks/{created.Id}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await read.Content.ReadAsStringAsync()).ShouldNotContain("whsec_");
        var list = await client.ListAsync<WebhookResponse>("/v1/webhooks");
        list.Data.Select(w => w.Id).ShouldBe([created.Id]);
        (await other.Client.ListAsync<WebhookResponse>("/v1/webhooks")).Data.ShouldBeEmpty();
        (await api.Operator.ListAsync<WebhookResponse>("/v1/webhooks?limit=100")).Data.ShouldContain(w => w.Id == created.Id && w.OrganizationId == company.Id);
        (await api.Operator.ListAsync<WebhookResponse>($"/v1/webhooks?organizationId={company.Id}")).Data.Select(w => w.Id).ShouldBe([created.Id]);
        (await api.Operator.ListAsync<WebhookResponse>($"/v1/webhooks?organizationId={other.Id}")).Data.ShouldBeEmpty();
        (await other.Client.ListAsync<WebhookResponse>($"/v1/webhooks?organizationId={company.Id}")).Data.ShouldBeEmpty();

        await (await other.Client.GetAsync($"/v1/webhooks/{created.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.Client.GetAsync($"/v1/webhooks/{created.Id}/deliveries")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.Client.DeleteAsync($"/v1/webhooks/{created.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await client.PostAsync($"/v1/webhooks/{created.Id}/deliveries/dlv_nothing/redeliver", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // A real delivery of another organization's webhook is not sent again by this one: neither
        // through that webhook, nor through a webhook of its own; the delivery stays as it was.
        var (owner, delivering) = await api.CompanyWithDeliveriesAsync(clocked, "https://hooks.example.com/owner");
        var delivery = (await DeliveriesAsync(clocked.ClientFor(owner), delivering.Id))[0];
        var others = await CreateAsync(clocked.ClientFor(other), "https://hooks.example.com/other", "booking.*");
        await (await other.Client.PostAsync($"/v1/webhooks/{delivering.Id}/deliveries/{delivery.Id}/redeliver", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.Client.PostAsync($"/v1/webhooks/{others.Id}/deliveries/{delivery.Id}/redeliver", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var after = (await DeliveriesAsync(clocked.ClientFor(owner), delivering.Id)).Single(d => d.Id == delivery.Id);
        (after.Status, after.AttemptCount, after.NextAttemptAt).ShouldBe((delivery.Status, delivery.AttemptCount, delivery.NextAttemptAt));
        // Nothing left for later runs of the worker to send to hosts that are not there.
        (await clocked.ClientFor(owner).DeleteAsync($"/v1/webhooks/{delivering.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await other.Client.DeleteAsync($"/v1/webhooks/{others.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        read.Headers.ETag!.Tag.ShouldBe("\"1\"");
        await (await client.SendAsync(IfMatch(HttpMethod.Delete, $"/v1/webhooks/{created.Id}", "\"2\""))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        await (await other.Client.SendAsync(IfMatch(HttpMethod.Delete, $"/v1/webhooks/{created.Id}", "\"2\""))).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await client.GetAsync($"/v1/webhooks/{created.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.SendAsync(IfMatch(HttpMethod.Delete, $"/v1/webhooks/{created.Id}", read.Headers.ETag.Tag))).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await (await client.GetAsync($"/v1/webhooks/{created.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"/v1/webhooks/{created.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await api.Anonymous().GetAsync("/v1/webhooks")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Webhooks_are_listed_page_after_page_newest_first_each_organization_its_own_the_operator_all()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var other = await api.RegisterAsync(OrganizationKind.Company);
        for (var i = 0; i < 5; i++) await CreateAsync(company.Client, $"https://hooks.example.com/paged/{i}", "need.*");
        var others = await CreateAsync(other.Client, "https://hooks.example.com/paged/other", "need.*");

        var onePage = (await company.Client.ListAsync<WebhookResponse>("/v1/webhooks?limit=100")).Data;
        onePage.Count.ShouldBe(5);
        onePage.ShouldBe(onePage.OrderByDescending(w => w.CreatedAt).ToList());
        (await company.Client.AllPagesAsync<WebhookResponse>("/v1/webhooks", pageSize: 2)).Select(w => w.Id).ShouldBe(onePage.Select(w => w.Id));
        var everyone = (await api.Operator.AllPagesAsync<WebhookResponse>("/v1/webhooks", pageSize: 3)).Select(w => w.Id).ToList();
        everyone.ShouldBeUnique();
        onePage.Select(w => w.Id).Append(others.Id).Except(everyone).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_organization_has_a_bounded_number_of_webhooks_even_registering_them_all_at_once()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        const int max = WebhookOptions.DefaultMaxPerOrganization;

        var answers = await Task.WhenAll(Enumerable.Range(0, max + 5).Select(i => company.Client.PostAsJsonAsync(
            "/v1/webhooks", new CreateWebhookRequest($"https://hooks.example.com/{i}", ["need.*"], "tests"), ApiFixture.JsonOptions)));

        answers.Count(answer => answer.StatusCode == HttpStatusCode.Created).ShouldBe(max);
        foreach (var refused in answers.Where(answer => answer.StatusCode != HttpStatusCode.Created))
            await refused.ShouldBeProblemAsync(HttpStatusCode.Conflict, "webhook_limit_reached");
        var listed = (await company.Client.ListAsync<WebhookResponse>("/v1/webhooks?limit=100")).Data;
        listed.Count.ShouldBe(max);
        (await company.Client.DeleteAsync($"/v1/webhooks/{listed[0].Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await CreateAsync(company.Client, "https://hooks.example.com/replacement", "need.*");
        (await (await api.RegisterAsync(OrganizationKind.Company)).Client.PostAsJsonAsync(
            "/v1/webhooks", new CreateWebhookRequest("https://hooks.example.com/other", ["need.*"], "tests"), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/hook")] // loopback HTTP: not allowed by this configuration
    [InlineData("http://hooks.example.com/services")]
    [InlineData("ftp://hooks.example.com/services")]
    [InlineData("not a url")]
    [InlineData("https://user:pass@hooks.example.com/")]
    [InlineData("https://169.254.169.254/latest/meta-data")] // a cloud's metadata service
    [InlineData("https://10.0.0.5/hook")]
    [InlineData("https://192.168.1.10/hook")]
    [InlineData("https://127.0.0.1/hook")]
    [InlineData("https://localhost/hook")]
    [InlineData("https://[::1]/hook")]
    [InlineData("https://[fd00::1]/hook")]
    [InlineData("https://[::ffff:10.0.0.1]/hook")]
    [InlineData("https://…/hook")] // a placeholder copied as it is
    [InlineData("https://-bad-/hook")]
    [InlineData("https://hooks/hook")] // no public name has no dot
    public async Task Only_https_urls_to_public_addresses_are_accepted(string url)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await (await company.Client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest(url, ["booking.*"]), ApiFixture.JsonOptions)).ShouldBeInvalidAsync("url");
    }

    [Fact]
    public async Task Plain_http_is_refused_for_other_hosts_even_where_loopback_is_allowed()
    {
        var (clocked, _) = await api.ClockedAsync(new FakeClock(DateTimeOffset.UtcNow));
        await using var _ = clocked;
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var client = clocked.ClientFor(company);
        await (await client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest("http://hooks.example.com/x", ["*"]), ApiFixture.JsonOptions)).ShouldBeInvalidAsync("url");
        (await client.PostAsJsonAsync("/v1/webhooks", new CreateWebhookRequest("http://127.0.0.1:9/x", ["*"]), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData("""{"url":"https://h.example.com/","eventTypes":["booking.nope"]}""", "eventTypes[0]")]
    [InlineData("""{"url":"https://h.example.com/","eventTypes":[]}""", "eventTypes")]
    [InlineData("""{"url":"https://h.example.com/"}""", "eventTypes")]
    [InlineData("""{"eventTypes":["*"]}""", "url")]
    [InlineData("""{"url":"https://h.example.com/","eventTypes":["*"],"extra":1}""", "extra")]
    public async Task Invalid_requests_name_the_field(string json, string field)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        await (await company.Client.PostAsync("/v1/webhooks", new StringContent(json, System.Text.Encoding.UTF8, "application/json"))).ShouldBeInvalidAsync(field);
    }
}
