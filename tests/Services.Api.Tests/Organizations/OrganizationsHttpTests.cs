using System.Net;
using System.Net.Http.Json;
using System.Text;
using Services.Api.Common;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Organizations;

public sealed class OrganizationsHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task The_operator_registers_a_company_that_reads_itself_with_an_etag()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var read = await company.Client.GetAsync($"/v1/organizations/{company.Id}");

        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.ShouldBe("\"2\"");
        var body = (await read.Content.ReadFromJsonAsync<OrganizationResponse>(ApiFixture.JsonOptions))!;
        body.Kind.ShouldBe(OrganizationKind.Company);
        body.Siret!.Length.ShouldBe(14);
    }

    [Fact]
    public async Task One_company_per_siret_whether_registered_at_once_or_apart()
    {
        var siret = Registrations.NextSiret();
        await api.RegisterAsync(OrganizationKind.Club, "lot");
        Task<HttpResponseMessage> RegisterAsync(string name) =>
            api.Operator.PostAsJsonAsync("/v1/organizations", new RegisterOrganizationRequest(OrganizationKind.Company, name, ["lot"], siret), ApiFixture.JsonOptions);

        var together = await Task.WhenAll(RegisterAsync("Scierie du Lot"), RegisterAsync("Scierie du Lot (again)"));

        var created = together.Where(a => a.StatusCode == HttpStatusCode.Created).ShouldHaveSingleItem();
        var first = (await created.Content.ReadFromJsonAsync<OrganizationResponse>(ApiFixture.JsonOptions))!;
        var refused = await together.Single(a => a != created).ShouldBeProblemAsync(HttpStatusCode.Conflict, "siret_registered");
        refused.GetProperty("detail").GetString()!.ShouldContain(first.Id);
        await (await RegisterAsync("Later")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "siret_registered");
        (await api.CountAsync("select count(*) from es_events where event_type = 'organization.registered' and data->>'siret' = $1", siret)).ShouldBe(1);
    }

    [Fact]
    public async Task Requests_without_a_key_or_with_an_unknown_key_get_401()
    {
        (await api.Anonymous().GetAsync("/v1/organizations/org_aaaaaaaaaaaaaaaaaaaaaaaa")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var unknown = await api.ClientWithKey("svc_key_aaaaaaaaaaaaaaaaaaaaaaaa_" + new string('0', 64)).GetAsync("/v1/organizations/org_aaaaaaaaaaaaaaaaaaaaaaaa");
        await unknown.ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }

    [Fact]
    public async Task A_revoked_key_stops_working_at_once()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var issued = await club.Client.PostAsJsonAsync($"/v1/organizations/{club.Id}/api-keys", new IssueApiKeyRequest("intranet"), ApiFixture.JsonOptions);
        var key = (await issued.Content.ReadFromJsonAsync<IssuedApiKeyResponse>(ApiFixture.JsonOptions))!;
        key.Key.ShouldStartWith("svc_key_");
        var second = api.ClientWithKey(key.Key);
        (await second.GetAsync($"/v1/organizations/{club.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await club.Client.DeleteAsync($"/v1/organizations/{club.Id}/api-keys/{key.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await second.GetAsync($"/v1/organizations/{club.Id}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await club.Client.GetAsync($"/v1/organizations/{club.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task An_organization_lists_its_keys_newest_first_with_their_status_and_never_their_secrets()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var stranger = await api.RegisterAsync(OrganizationKind.Club);
        var intranet = await club.Client.PostAsJsonAsync($"/v1/organizations/{club.Id}/api-keys", new IssueApiKeyRequest("intranet"), ApiFixture.JsonOptions);
        var first = (await intranet.Content.ReadFromJsonAsync<IssuedApiKeyResponse>(ApiFixture.JsonOptions))!;
        var second = (await (await club.Client.PostAsJsonAsync($"/v1/organizations/{club.Id}/api-keys", new IssueApiKeyRequest("hr tool"), ApiFixture.JsonOptions))
            .Content.ReadFromJsonAsync<IssuedApiKeyResponse>(ApiFixture.JsonOptions))!;
        (await club.Client.DeleteAsync($"/v1/organizations/{club.Id}/api-keys/{first.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        var page = await club.Client.GetAsync($"/v1/organizations/{club.Id}/api-keys?limit=2");
        var listed = (await page.Content.ReadFromJsonAsync<Page<ApiKeyResponse>>(ApiFixture.JsonOptions))!;
        var read = await club.Client.GetAsync(intranet.Headers.Location);

        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        listed.Data.Select(k => (k.Id, k.Label, k.Status)).ShouldBe([(second.Id, "hr tool", ApiKeyStatus.Active), (first.Id, "intranet", ApiKeyStatus.Revoked)]);
        listed.Data.ShouldAllBe(k => k.IssuedAt != null);
        listed.Data[0].IssuedAt!.Value.ShouldBeGreaterThanOrEqualTo(listed.Data[1].IssuedAt!.Value);
        // The key the club was registered with comes last, on the next page.
        var rest = (await club.Client.GetFromJsonAsync<Page<ApiKeyResponse>>($"/v1/organizations/{club.Id}/api-keys?limit=2&after={listed.Next}", ApiFixture.JsonOptions))!;
        rest.Data.Select(k => k.Status).ShouldBe([ApiKeyStatus.Active]);
        rest.Data.Single().Id.ShouldNotBeOneOf(first.Id, second.Id);
        rest.Next.ShouldBeNull();
        (await page.Content.ReadAsStringAsync()).ShouldNotContain(second.Key);
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await read.Content.ReadFromJsonAsync<ApiKeyResponse>(ApiFixture.JsonOptions))!.Status.ShouldBe(ApiKeyStatus.Revoked);
        // Clubs are public: another organization knows this one exists, and is told it may not read its keys.
        await (await stranger.Client.GetAsync($"/v1/organizations/{club.Id}/api-keys")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await stranger.Client.GetAsync(intranet.Headers.Location)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Changing_an_organization_one_may_read_but_not_manage_is_403_and_one_it_may_not_read_404()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var member = await api.RegisterMemberAsync(club);
        var outsider = await api.RegisterAsync(OrganizationKind.Company);
        HttpRequestMessage Rename(string organizationId) =>
            new(HttpMethod.Patch, $"/v1/organizations/{organizationId}") { Content = JsonContent.Create(new RenameOrganizationRequest("Taken over"), options: ApiFixture.JsonOptions) };

        await (await member.Client.SendAsync(Rename(club.Id))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await club.Client.SendAsync(Rename(member.Id))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await club.Client.PostAsJsonAsync($"/v1/organizations/{member.Id}/api-keys", new IssueApiKeyRequest("x"), ApiFixture.JsonOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        // A company outside the club's members is not the club's to know of.
        await (await club.Client.SendAsync(Rename(outsider.Id))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await club.Client.GetAsync($"/v1/organizations/{outsider.Id}/api-keys")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await member.Client.DeleteAsync($"/v1/organizations/{outsider.Id}/api-keys/key_aaaaaaaaaaaaaaaaaaaaaaaa")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await outsider.Client.SendAsync(Rename(Ids.New(Ids.Organization)))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        (await club.Client.GetFromJsonAsync<OrganizationResponse>($"/v1/organizations/{club.Id}", ApiFixture.JsonOptions))!.Name.ShouldNotBe("Taken over");
        // Another club's members: refused before the company is looked at, so that whether it exists is not told.
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);
        foreach (var companyId in new[] { outsider.Id, Ids.New(Ids.Organization) })
            await (await otherClub.Client.PostAsJsonAsync($"/v1/clubs/{club.Id}/members", new AdmitMemberRequest(companyId), ApiFixture.JsonOptions))
                .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Revoking_a_key_the_organization_never_had_is_not_found()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        var unknown = await club.Client.DeleteAsync($"/v1/organizations/{club.Id}/api-keys/key_aaaaaaaaaaaaaaaaaaaaaaaa");

        (await unknown.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found")).GetProperty("detail").GetString()!.ShouldContain("key_aaaaaaaaaaaaaaaaaaaaaaaa");
    }

    [Fact]
    public async Task Another_company_is_not_found_and_a_club_sees_only_its_members()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var member = await api.RegisterMemberAsync(club);
        var stranger = await api.RegisterAsync(OrganizationKind.Company);

        await (await stranger.Client.GetAsync($"/v1/organizations/{member.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        (await club.Client.GetAsync($"/v1/organizations/{member.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await club.Client.GetAsync($"/v1/organizations/{stranger.Id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await stranger.Client.GetAsync($"/v1/organizations/{club.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Only_the_operator_registers_organizations()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        var attempt = await club.Client.PostAsJsonAsync("/v1/organizations", new RegisterOrganizationRequest(OrganizationKind.Club, "Other", ["lot"]), ApiFixture.JsonOptions);

        await attempt.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_company_cannot_manage_another_organizations_keys()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var other = await api.RegisterAsync(OrganizationKind.Company);

        var attempt = await company.Client.PostAsJsonAsync($"/v1/organizations/{other.Id}/api-keys", new IssueApiKeyRequest("x"), ApiFixture.JsonOptions);

        await attempt.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Members_and_keys_change_only_on_the_version_an_if_match_names()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var version = (await club.Client.GetAsync($"/v1/organizations/{club.Id}")).Headers.ETag!.Tag;
        HttpRequestMessage At(string tag, HttpMethod method, string path, object? body = null)
        {
            var request = new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body, options: ApiFixture.JsonOptions) };
            request.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue(tag));
            return request;
        }
        const string Stale = "\"1\"";

        var members = $"/v1/clubs/{club.Id}/members";
        await (await club.Client.SendAsync(At(Stale, HttpMethod.Post, members, new AdmitMemberRequest(company.Id)))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        (await club.Client.SendAsync(At(version, HttpMethod.Post, members, new AdmitMemberRequest(company.Id)))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await club.Client.SendAsync(At(Stale, HttpMethod.Delete, $"{members}/{company.Id}"))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        await (await club.Client.SendAsync(At(Stale, HttpMethod.Post, $"/v1/organizations/{club.Id}/api-keys", new IssueApiKeyRequest("intranet"))))
            .ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        var keys = await club.Client.PostAsJsonAsync($"/v1/organizations/{club.Id}/api-keys", new IssueApiKeyRequest("intranet"), ApiFixture.JsonOptions);
        var key = (await keys.Content.ReadFromJsonAsync<IssuedApiKeyResponse>(ApiFixture.JsonOptions))!;
        await (await club.Client.SendAsync(At(Stale, HttpMethod.Delete, $"/v1/organizations/{club.Id}/api-keys/{key.Id}"))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        (await api.ClientWithKey(key.Key).GetAsync($"/v1/organizations/{club.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Rename_with_a_stale_if_match_is_412_and_with_the_current_one_succeeds()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var stale = new HttpRequestMessage(HttpMethod.Patch, $"/v1/organizations/{club.Id}") { Content = JsonContent.Create(new RenameOrganizationRequest("Figeacteurs"), options: ApiFixture.JsonOptions) };
        stale.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"1\""));
        await (await club.Client.SendAsync(stale)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");

        var current = new HttpRequestMessage(HttpMethod.Patch, $"/v1/organizations/{club.Id}") { Content = JsonContent.Create(new RenameOrganizationRequest("Figeacteurs"), options: ApiFixture.JsonOptions) };
        current.Headers.IfMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue("\"2\""));
        var renamed = await club.Client.SendAsync(current);

        renamed.StatusCode.ShouldBe(HttpStatusCode.OK);
        renamed.Headers.ETag!.Tag.ShouldBe("\"3\"");
        // Renaming to the name it has writes nothing, and points to the rename that gave it.
        var again = await club.Client.PatchAsJsonAsync($"/v1/organizations/{club.Id}", new RenameOrganizationRequest("Figeacteurs"), ApiFixture.JsonOptions);
        again.Headers.ETag!.Tag.ShouldBe("\"3\"");
        again.Headers.GetValues("Services-Position").Single().ShouldBe(renamed.Headers.GetValues("Services-Position").Single());
    }

    [Theory]
    [InlineData("{\"kind\":\"company\",\"name\":\"Acme\",\"territories\":[\"lot\"]}", "siret")]
    [InlineData("{\"kind\":\"company\",\"name\":\"Acme\",\"territories\":[\"lot\"],\"siret\":\"73282932000075\"}", "siret")]
    [InlineData("{\"kind\":\"club\",\"territories\":[\"lot\"]}", "name")]
    [InlineData("{\"kind\":\"club\",\"name\":\"Acme\",\"territories\":[\"lot\"],\"color\":\"red\"}", "color")]
    [InlineData("{\"kind\":\"club\",\"name\":42,\"territories\":[\"lot\"]}", "name")]
    [InlineData("{\"kind\":\"castle\",\"name\":\"Acme\",\"territories\":[\"lot\"]}", "kind")]
    [InlineData("{\"kind\":\"partner, operator\",\"name\":\"Acme\",\"territories\":[\"lot\"]}", "kind")]
    [InlineData("{\"kind\":\"company, provider\",\"name\":\"Acme\",\"territories\":[\"lot\"]}", "kind")]
    [InlineData("{\"kind\":\"club\",\"name\":\"Acme\",\"territories\":[\"Not A Slug\"]}", "territories[0]")]
    [InlineData("{\"kind\":\"club\",\"name\":\"Acme\",\"territories\":[\"lot\"]", "body")]
    [InlineData("{\"kind\":\"club\",\"name\":null,\"territories\":[\"lot\"]}", "name")]
    public async Task Invalid_registrations_are_400_naming_the_field(string json, string field)
    {
        var response = await api.Operator.PostAsync("/v1/organizations", new StringContent(json, Encoding.UTF8, "application/json"));

        await response.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task An_oversized_body_is_refused_with_a_problem()
    {
        var json = "{\"kind\":\"club\",\"name\":\"" + new string('a', 300_000) + "\",\"territories\":[\"lot\"]}";

        var response = await api.Operator.PostAsync("/v1/organizations", new StringContent(json, Encoding.UTF8, "application/json"));

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge, "body_too_large");
    }

    [Fact]
    public async Task An_over_long_url_is_refused_with_a_problem()
    {
        var response = await api.Operator.GetAsync("/v1/organizations?kind=" + new string('9', 5_000) + "&kind=" + new string('9', 5_000));

        await response.ShouldBeProblemAsync(HttpStatusCode.RequestUriTooLong, "url_too_long");
    }
}
