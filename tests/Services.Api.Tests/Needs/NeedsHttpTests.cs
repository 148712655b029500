using System.Net;
using System.Net.Http.Json;
using System.Text;
using Services.Api.Common;
using Services.Api.Needs;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Needs;

public sealed class NeedsHttpTests(ApiFixture api) : IClassFixture<ApiFixture>, IAsyncLifetime
{
    /// <summary>The tests record needs in grand-figeac, which must have a club or a partner, whatever test runs first.</summary>
    public Task InitializeAsync() => api.CoverTerritoryAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Unknown = "ned_aaaaaaaaaaaaaaaaaaaaaaaa";

    private static async Task<NeedResponse> ReadAsync(HttpResponseMessage response, HttpStatusCode status = HttpStatusCode.OK)
    {
        response.StatusCode.ShouldBe(status, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<NeedResponse>(ApiFixture.JsonOptions))!;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    // ---- POST /v1/needs

    [Fact]
    public async Task A_company_records_a_need_answered_201_with_its_location_and_etag()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var response = await company.Client.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(headcount: 12), ApiFixture.JsonOptions);

        var need = await ReadAsync(response, HttpStatusCode.Created);
        need.Id.ShouldStartWith("ned_");
        need.CompanyId.ShouldBe(company.Id);
        need.Category.ShouldBe(Category.Mobility);
        need.Territory.ShouldBe("grand-figeac");
        need.Headcount.ShouldBe(12);
        need.Description.ShouldBe("Staff without a car cannot reach the park before 8.");
        need.WishedSchedule.ShouldBe("weekdays 7:30–8:00");
        need.Status.ShouldBe(NeedStatus.Open);
        need.AcknowledgedBy.ShouldBeEmpty();
        need.AddressedByOfferId.ShouldBeNull();
        need.RecordedAt.ShouldBeInRange(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        response.Headers.Location!.ToString().ShouldBe($"/v1/needs/{need.Id}");
        response.Headers.ETag!.Tag.ShouldBe("\"1\"");
        response.Headers.Contains("Services-Position").ShouldBeTrue();
    }

    [Fact]
    public async Task The_wished_schedule_is_optional_and_json_uses_snake_case_enums()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var response = await company.Client.PostAsync("/v1/needs",
            Json("{\"category\":\"spouse_welcome\",\"territory\":\"grand-figeac\",\"headcount\":1,\"description\":\"Two new engineers arrive with families.\"}"));

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Created, body);
        body.ShouldContain("\"category\":\"spouse_welcome\"");
        body.ShouldContain("\"status\":\"open\"");
        body.ShouldContain("\"wishedSchedule\":null");
    }

    [Fact]
    public async Task The_operator_records_a_need_for_the_company_it_names()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var need = await ReadAsync(await api.Operator.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(companyId: company.Id), ApiFixture.JsonOptions), HttpStatusCode.Created);

        need.CompanyId.ShouldBe(company.Id);
        (await company.Client.GetAsync($"/v1/needs/{need.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_operator_must_name_the_company()
    {
        var response = await api.Operator.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(), ApiFixture.JsonOptions);

        await response.ShouldBeInvalidAsync("companyId");
    }

    [Fact]
    public async Task The_operator_recording_for_an_unknown_company_is_404()
    {
        var response = await api.Operator.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(companyId: "org_aaaaaaaaaaaaaaaaaaaaaaaa"), ApiFixture.JsonOptions);

        await response.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Only_a_company_has_needs_recorded_for_it()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        var response = await api.Operator.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(companyId: club.Id), ApiFixture.JsonOptions);

        await response.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_a_company");
    }

    [Fact]
    public async Task A_company_records_needs_for_itself_only()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var other = await api.RegisterAsync(OrganizationKind.Company);

        var forOther = await company.Client.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(companyId: other.Id), ApiFixture.JsonOptions);
        var forItself = await company.Client.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(companyId: company.Id), ApiFixture.JsonOptions);

        await forOther.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        forItself.StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Theory]
    [InlineData(OrganizationKind.Club)]
    [InlineData(OrganizationKind.Provider)]
    [InlineData(OrganizationKind.Partner)]
    public async Task Only_companies_record_needs(OrganizationKind kind)
    {
        var actor = await api.RegisterAsync(kind);

        var response = await actor.Client.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(), ApiFixture.JsonOptions);

        await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Recording_a_need_without_a_key_is_401()
    {
        var response = await api.Anonymous().PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(), ApiFixture.JsonOptions);

        response.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    public static TheoryData<string, string> InvalidNeeds => new()
    {
        { "{\"territory\":\"grand-figeac\",\"headcount\":3,\"description\":\"x\"}", "category" },
        { "{\"category\":\"taxi\",\"territory\":\"grand-figeac\",\"headcount\":3,\"description\":\"x\"}", "category" },
        { "{\"category\":\"mobility\",\"territory\":\"Grand Figeac\",\"headcount\":3,\"description\":\"x\"}", "territory" },
        { "{\"category\":\"mobility\",\"headcount\":3,\"description\":\"x\"}", "territory" },
        { "{\"category\":\"mobility\",\"territory\":\"grand-figeac\",\"headcount\":0,\"description\":\"x\"}", "headcount" },
        { "{\"category\":\"mobility\",\"territory\":\"grand-figeac\",\"headcount\":10001,\"description\":\"x\"}", "headcount" },
        { "{\"category\":\"mobility\",\"territory\":\"grand-figeac\",\"headcount\":\"six\",\"description\":\"x\"}", "headcount" },
        { "{\"category\":\"mobility\",\"territory\":\"grand-figeac\",\"description\":\"x\"}", "headcount" },
        { "{\"category\":\"mobility\",\"territory\":\"grand-figeac\",\"headcount\":3}", "description" },
        { "{\"category\":\"mobility\",\"territory\":\"grand-figeac\",\"headcount\":3,\"description\":\"   \"}", "description" },
        { "{\"category\":\"mobility\",\"territory\":\"grand-figeac\",\"headcount\":3,\"description\":\"" + new string('x', 4001) + "\"}", "description" },
        { "{\"category\":\"mobility\",\"territory\":\"grand-figeac\",\"headcount\":3,\"description\":\"x\",\"wishedSchedule\":\"" + new string('x', 501) + "\"}", "wishedSchedule" },
        { "{\"category\":\"mobility\",\"territory\":\"grand-figeac\",\"headcount\":3,\"description\":\"x\",\"companyId\":\"acme\"}", "companyId" },
        { "{\"category\":\"mobility\",\"territory\":\"grand-figeac\",\"headcount\":3,\"description\":\"x\",\"urgent\":true}", "urgent" },
    };

    [Theory]
    [MemberData(nameof(InvalidNeeds))]
    public async Task Invalid_needs_are_400_naming_the_field(string json, string field)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var response = await company.Client.PostAsync("/v1/needs", Json(json));

        await response.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task Limits_are_inclusive()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var response = await company.Client.PostAsJsonAsync("/v1/needs",
            new RecordNeedRequest(Category.Childcare, "grand-figeac", 10_000, new string('d', 4000), new string('w', 500)), ApiFixture.JsonOptions);

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    // ---- GET /v1/needs/{needId}

    [Fact]
    public async Task The_recording_company_reads_its_need_with_an_etag()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var recorded = await api.RecordNeedAsync(company);

        var response = await company.Client.GetAsync($"/v1/needs/{recorded.Id}");

        var read = await ReadAsync(response);
        read.ShouldBe(recorded with { AcknowledgedBy = read.AcknowledgedBy });
        read.AcknowledgedBy.ShouldBeEmpty();
        response.Headers.ETag!.Tag.ShouldBe("\"1\"");
    }

    [Fact]
    public async Task Clubs_and_partners_of_the_territory_and_the_operator_see_a_need_others_get_404()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company, "causse");
        var club = await api.RegisterAsync(OrganizationKind.Club, "causse");
        var partner = await api.RegisterAsync(OrganizationKind.Partner, "causse");
        var need = await api.RecordNeedAsync(company, territory: "causse");
        var otherClub = await api.RegisterAsync(OrganizationKind.Club, "vallee-du-lot");
        var otherPartner = await api.RegisterAsync(OrganizationKind.Partner, "vallee-du-lot");
        var otherCompany = await api.RegisterAsync(OrganizationKind.Company, "causse");
        var provider = await api.RegisterAsync(OrganizationKind.Provider, "causse");

        var byClub = await ReadAsync(await club.Client.GetAsync($"/v1/needs/{need.Id}"));
        var byPartner = await ReadAsync(await partner.Client.GetAsync($"/v1/needs/{need.Id}"));
        var byOperator = await ReadAsync(await api.Operator.GetAsync($"/v1/needs/{need.Id}"));

        byClub.CompanyId.ShouldBe(company.Id);
        byOperator.CompanyId.ShouldBe(company.Id);
        byPartner.CompanyId.ShouldBeNull();
        byPartner.Headcount.ShouldBe(need.Headcount);
        foreach (var stranger in new[] { otherClub, otherPartner, otherCompany, provider })
            await (await stranger.Client.GetAsync($"/v1/needs/{need.Id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task An_unknown_or_malformed_need_id_is_404()
    {
        await (await api.Operator.GetAsync($"/v1/needs/{Unknown}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.Operator.GetAsync("/v1/needs/not-an-id")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Reading_a_need_without_a_key_is_401()
    {
        (await api.Anonymous().GetAsync($"/v1/needs/{Unknown}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    // ---- POST /v1/needs/{needId}/acknowledge

    [Fact]
    public async Task A_club_serving_the_territory_acknowledges_a_need_once()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club);

        var first = await club.Client.NeedActionAsync(need.Id, "acknowledge", ifMatch: 1);
        var again = await club.Client.NeedActionAsync(need.Id, "acknowledge");

        var acknowledged = await ReadAsync(first);
        acknowledged.AcknowledgedBy.ShouldBe([club.Id]);
        acknowledged.Status.ShouldBe(NeedStatus.Open);
        first.Headers.ETag!.Tag.ShouldBe("\"2\"");
        first.Headers.Contains("Services-Position").ShouldBeTrue();
        (await ReadAsync(again)).AcknowledgedBy.ShouldBe([club.Id]);
        again.Headers.ETag!.Tag.ShouldBe("\"2\"");
        (await ReadAsync(await company.Client.GetAsync($"/v1/needs/{need.Id}"))).AcknowledgedBy.ShouldBe([club.Id]);
    }

    [Fact]
    public async Task A_club_may_name_itself_but_not_another_club()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var other = await api.RegisterAsync(OrganizationKind.Club);

        await (await club.Client.NeedActionAsync(need.Id, "acknowledge", new AcknowledgeNeedRequest(other.Id))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        (await ReadAsync(await club.Client.NeedActionAsync(need.Id, "acknowledge", new AcknowledgeNeedRequest(club.Id)))).AcknowledgedBy.ShouldBe([club.Id]);
    }

    [Fact]
    public async Task A_club_not_serving_the_territory_does_not_see_the_need()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club, "aveyron");

        await (await club.Client.NeedActionAsync(need.Id, "acknowledge")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await club.Client.NeedActionAsync(Unknown, "acknowledge")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task The_operator_acknowledges_for_the_club_it_names()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var faraway = await api.RegisterAsync(OrganizationKind.Club, "aveyron");

        await (await api.Operator.NeedActionAsync(need.Id, "acknowledge")).ShouldBeInvalidAsync("clubId");
        await (await api.Operator.NeedActionAsync(need.Id, "acknowledge", new AcknowledgeNeedRequest("org_aaaaaaaaaaaaaaaaaaaaaaaa"))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await api.Operator.NeedActionAsync(need.Id, "acknowledge", new AcknowledgeNeedRequest(company.Id))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_a_club");
        await (await api.Operator.NeedActionAsync(need.Id, "acknowledge", new AcknowledgeNeedRequest(faraway.Id))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_served");
        (await ReadAsync(await api.Operator.NeedActionAsync(need.Id, "acknowledge", new AcknowledgeNeedRequest(club.Id)))).AcknowledgedBy.ShouldBe([club.Id]);
    }

    [Theory]
    [InlineData("{\"clubId\":\"club\"}", "clubId")]
    [InlineData("{\"clubId\":7}", "clubId")]
    [InlineData("{\"club\":\"org_aaaaaaaaaaaaaaaaaaaaaaaa\"}", "club")]
    public async Task Invalid_acknowledgements_are_400_naming_the_field(string json, string field)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        var response = await club.Client.PostAsync($"/v1/needs/{Unknown}/acknowledge", Json(json));

        await response.ShouldBeInvalidAsync(field);
    }

    [Theory]
    [InlineData(OrganizationKind.Company)]
    [InlineData(OrganizationKind.Partner)]
    public async Task Only_clubs_acknowledge_needs(OrganizationKind kind)
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var actor = kind == OrganizationKind.Company ? company : await api.RegisterAsync(kind);

        await (await actor.Client.NeedActionAsync(need.Id, "acknowledge")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_closed_need_is_not_acknowledged()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        (await company.Client.NeedActionAsync(need.Id, "withdraw")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await (await club.Client.NeedActionAsync(need.Id, "acknowledge")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "need_closed");
    }

    [Fact]
    public async Task Acknowledging_with_a_stale_if_match_is_412_and_a_malformed_one_400()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club);

        await (await club.Client.NeedActionAsync(need.Id, "acknowledge", ifMatch: 2)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        var malformed = new HttpRequestMessage(HttpMethod.Post, $"/v1/needs/{need.Id}/acknowledge");
        malformed.Headers.TryAddWithoutValidation("If-Match", "\"1");
        await (await club.Client.SendAsync(malformed)).ShouldBeInvalidAsync("If-Match");
    }

    [Fact]
    public async Task Acknowledging_without_a_key_is_401()
    {
        (await api.Anonymous().NeedActionAsync(Unknown, "acknowledge")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    // ---- POST /v1/needs/{needId}/address

    [Fact]
    public async Task A_club_addresses_a_need_with_its_offer_closing_it()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company, Category.Mobility);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club, Category.Mobility);

        var response = await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest(offer.Id), ifMatch: 1);

        var addressed = await ReadAsync(response);
        addressed.Status.ShouldBe(NeedStatus.Addressed);
        addressed.AddressedByOfferId.ShouldBe(offer.Id);
        response.Headers.ETag!.Tag.ShouldBe("\"2\"");
        (await ReadAsync(await company.Client.GetAsync($"/v1/needs/{need.Id}"))).AddressedByOfferId.ShouldBe(offer.Id);
        await (await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest(offer.Id))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "need_closed");
    }

    [Fact]
    public async Task A_club_addresses_only_with_its_own_offers_the_operator_with_any()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);
        var othersOffer = await api.PublishOfferAsync(otherClub, Category.Mobility);

        await (await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest(othersOffer.Id))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        (await ReadAsync(await api.Operator.NeedActionAsync(need.Id, "address", new AddressNeedRequest(othersOffer.Id)))).AddressedByOfferId.ShouldBe(othersOffer.Id);
    }

    [Fact]
    public async Task Addressing_with_an_unknown_offer_is_404()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club);

        await (await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest("off_aaaaaaaaaaaaaaaaaaaaaaaa"))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task A_club_not_serving_the_territory_cannot_address_the_need()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club, "aveyron");
        var offer = await api.PublishOfferAsync(club, Category.Mobility, territory: "grand-figeac");

        await (await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest(offer.Id))).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task The_offer_must_be_of_the_needs_category_and_serve_its_territory()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company, Category.Mobility);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var childcare = await api.PublishOfferAsync(club, Category.Childcare);
        await api.RegisterAsync(OrganizationKind.Partner, "aveyron");
        var elsewhere = await api.PublishOfferAsync(club, Category.Mobility, territory: "aveyron");

        await (await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest(childcare.Id))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "category_mismatch");
        await (await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest(elsewhere.Id))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "territory_not_served");
    }

    [Fact]
    public async Task A_withdrawn_offer_does_not_address_a_need()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club, Category.Mobility);
        await api.WithdrawOfferAsync(club, offer.Id);

        await (await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest(offer.Id))).ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_withdrawn");
    }

    [Fact]
    public async Task Addressing_with_a_stale_if_match_is_412()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club, Category.Mobility);
        (await club.Client.NeedActionAsync(need.Id, "acknowledge")).StatusCode.ShouldBe(HttpStatusCode.OK);

        await (await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest(offer.Id), ifMatch: 1)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
    }

    [Theory]
    [InlineData("{}", "offerId")]
    [InlineData("{\"offerId\":\"sub_aaaaaaaaaaaaaaaaaaaaaaaa\"}", "offerId")]
    [InlineData("{\"offerId\":null}", "offerId")]
    [InlineData("{\"offerId\":[]}", "offerId")]
    [InlineData("{\"offerId\":\"off_aaaaaaaaaaaaaaaaaaaaaaaa\",\"note\":\"x\"}", "note")]
    public async Task Invalid_addresses_are_400_naming_the_field(string json, string field)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        var response = await club.Client.PostAsync($"/v1/needs/{Unknown}/address", Json(json));

        await response.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task Only_clubs_address_needs()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);

        await (await company.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest("off_aaaaaaaaaaaaaaaaaaaaaaaa"))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        (await api.Anonymous().NeedActionAsync(need.Id, "address", new AddressNeedRequest("off_aaaaaaaaaaaaaaaaaaaaaaaa"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    // ---- POST /v1/needs/{needId}/withdraw

    [Fact]
    public async Task The_recording_company_withdraws_its_need_once()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);

        var response = await company.Client.NeedActionAsync(need.Id, "withdraw", ifMatch: 1);

        (await ReadAsync(response)).Status.ShouldBe(NeedStatus.Withdrawn);
        response.Headers.ETag!.Tag.ShouldBe("\"2\"");
        await (await company.Client.NeedActionAsync(need.Id, "withdraw")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "need_closed");
    }

    [Fact]
    public async Task The_operator_withdraws_any_need()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);

        (await ReadAsync(await api.Operator.NeedActionAsync(need.Id, "withdraw"))).Status.ShouldBe(NeedStatus.Withdrawn);
    }

    [Fact]
    public async Task An_addressed_need_is_not_withdrawn()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club, Category.Mobility);
        (await club.Client.NeedActionAsync(need.Id, "address", new AddressNeedRequest(offer.Id))).StatusCode.ShouldBe(HttpStatusCode.OK);

        await (await company.Client.NeedActionAsync(need.Id, "withdraw")).ShouldBeProblemAsync(HttpStatusCode.Conflict, "need_closed");
    }

    [Fact]
    public async Task Another_company_withdrawing_a_need_gets_404_and_a_club_403()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);
        var other = await api.RegisterAsync(OrganizationKind.Company);
        var club = await api.RegisterAsync(OrganizationKind.Club);

        await (await other.Client.NeedActionAsync(need.Id, "withdraw")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await club.Client.NeedActionAsync(need.Id, "withdraw")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await company.Client.NeedActionAsync(Unknown, "withdraw")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Withdrawing_with_a_stale_if_match_is_412()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var need = await api.RecordNeedAsync(company);

        await (await company.Client.NeedActionAsync(need.Id, "withdraw", ifMatch: 3)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        (await ReadAsync(await company.Client.GetAsync($"/v1/needs/{need.Id}"))).Status.ShouldBe(NeedStatus.Open);
    }

    [Fact]
    public async Task Withdrawing_without_a_key_is_401()
    {
        (await api.Anonymous().NeedActionAsync(Unknown, "withdraw")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }
}
