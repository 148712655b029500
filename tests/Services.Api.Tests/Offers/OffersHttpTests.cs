using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Offers;

public sealed class OffersHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static HttpRequestMessage Send(HttpMethod method, string uri, object? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, uri);
        if (body is not null) request.Content = JsonContent.Create(body, body.GetType(), options: method == HttpMethod.Patch ? ApiFixture.PartialChangeOptions : ApiFixture.JsonOptions);
        if (ifMatch is not null) request.Headers.IfMatch.Add(new EntityTagHeaderValue(ifMatch));
        return request;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task A_club_publishes_its_offer_and_any_organization_reads_it_with_an_etag()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var published = await club.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(Category.Childcare), ApiFixture.JsonOptions);

        published.StatusCode.ShouldBe(HttpStatusCode.Created);
        published.Headers.ETag!.Tag.ShouldBe("\"1\"");
        published.Headers.Contains("Services-Position").ShouldBeTrue();
        var offer = (await published.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!;
        Ids.IsWellFormed(offer.Id, Ids.Offer).ShouldBeTrue();
        published.Headers.Location!.ToString().ShouldBe($"/v1/offers/{offer.Id}");
        offer.ClubId.ShouldBe(club.Id);
        offer.Category.ShouldBe(Category.Childcare);
        offer.Status.ShouldBe(OfferStatus.Active);
        offer.TimeZone.ShouldBe("Europe/Paris");
        offer.UnitPrice.ShouldBe(Money.Euros(1250));

        var read = await company.Client.GetAsync($"/v1/offers/{offer.Id}");
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        read.Headers.ETag!.Tag.ShouldBe("\"1\"");
        var json = await read.Content.ReadAsStringAsync();
        json.ShouldContain("\"category\":\"childcare\"");
        json.ShouldContain("\"status\":\"active\"");
        json.ShouldContain("\"monthlyFee\":{\"amount\":5000,\"currency\":\"EUR\"}");
    }

    [Fact]
    public async Task The_operator_publishes_for_the_club_it_names_and_must_name_one()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        var published = await api.Operator.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(clubId: club.Id), ApiFixture.JsonOptions);
        published.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await published.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!.ClubId.ShouldBe(club.Id);

        var unnamed = await api.Operator.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(), ApiFixture.JsonOptions);
        await unnamed.ShouldBeInvalidAsync("clubId");
    }

    [Fact]
    public async Task The_operator_publishing_for_an_unknown_club_is_404_and_for_a_company_is_409()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var unknown = await api.Operator.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(clubId: Ids.New(Ids.Organization)), ApiFixture.JsonOptions);
        await unknown.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        var notAClub = await api.Operator.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(clubId: company.Id), ApiFixture.JsonOptions);
        await notAClub.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_a_club");
    }

    [Fact]
    public async Task A_club_may_name_itself_but_not_publish_for_another_club()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var other = await api.RegisterAsync(OrganizationKind.Club);

        (await club.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(clubId: club.Id), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var attempt = await club.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(clubId: other.Id), ApiFixture.JsonOptions);

        await attempt.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData(OrganizationKind.Company)]
    [InlineData(OrganizationKind.Provider)]
    [InlineData(OrganizationKind.Partner)]
    public async Task Only_clubs_and_the_operator_publish_offers(OrganizationKind kind)
    {
        var actor = await api.RegisterAsync(kind);

        var attempt = await actor.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(), ApiFixture.JsonOptions);

        await attempt.ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Requests_without_a_key_get_401()
    {
        var anonymous = api.Anonymous();

        (await anonymous.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(), ApiFixture.JsonOptions)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync($"/v1/offers/{Ids.New(Ids.Offer)}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.PostAsync($"/v1/offers/{Ids.New(Ids.Offer)}/withdraw", null)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    private const string Valid = "\"category\":\"concierge\",\"title\":\"Pressing\",\"description\":\"Shirts\",\"territories\":[\"grand-figeac\"],\"timeZone\":\"Europe/Paris\",\"monthlyFee\":{\"amount\":5000,\"currency\":\"EUR\"},\"unitPrice\":{\"amount\":1250,\"currency\":\"EUR\"}";

    [Theory]
    [InlineData("\"title\":\"\",", "title")]
    [InlineData("\"timeZone\":\"Mars/Olympus_Mons\",", "timeZone")]
    [InlineData("\"timeZone\":\"Europe//Paris\",", "timeZone")] // .NET finds the file, PostgreSQL not the zone
    [InlineData("\"timeZone\":\"Europe/./Paris\",", "timeZone")]
    [InlineData("\"territories\":[\"Grand Figeac\"],", "territories[0]")]
    [InlineData("\"territories\":[],", "territories")]
    [InlineData("\"territories\":[\"grand-figeac\",\"causses\",\"grand-figeac\"],", "territories")]
    [InlineData("\"monthlyFee\":{\"amount\":-1,\"currency\":\"EUR\"},", "monthlyFee.amount")]
    [InlineData("\"unitPrice\":{\"amount\":10000001,\"currency\":\"EUR\"},", "unitPrice.amount")]
    [InlineData("\"unitPrice\":{\"amount\":100,\"currency\":\"USD\"},", "unitPrice.currency")]
    [InlineData("\"coFunding\":{\"partnerId\":\"org_x\",\"shareBasisPoints\":5000},", "coFunding.partnerId")]
    [InlineData("\"coFunding\":{\"partnerId\":\"org_aaaaaaaaaaaaaaaaaaaaaaaa\",\"shareBasisPoints\":10001},", "coFunding.shareBasisPoints")]
    [InlineData("\"providerIds\":[\"provider-1\"],", "providerIds[0]")]
    [InlineData("\"clubId\":\"club-1\",", "clubId")]
    [InlineData("\"color\":\"red\",", "color")]
    public async Task Invalid_publications_are_400_naming_the_field(string replacement, string field)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        // A field given first wins over the same field in the valid body: remove it there.
        var name = replacement[1..replacement.IndexOf('"', 1)];
        var rest = string.Join(',', Split(Valid).Where(part => !part.StartsWith($"\"{name}\"", StringComparison.Ordinal)));

        var response = await club.Client.PostAsync("/v1/offers", Json("{" + replacement + rest + "}"));

        await response.ShouldBeInvalidAsync(field);
    }

    [Theory]
    [InlineData("europe/paris", "Time zone names are case-sensitive: did you mean 'Europe/Paris'?")]
    [InlineData("EUROPE/PARIS", "Time zone names are case-sensitive: did you mean 'Europe/Paris'?")]
    [InlineData("CET", "aliases such as 'CET' are refused")]
    [InlineData("US/Eastern", "aliases such as 'CET' are refused")]
    [InlineData("Etc/GMT+5", "aliases such as 'CET' are refused")]
    public async Task A_time_zone_not_spelt_as_the_zone_database_spells_a_place_is_refused_saying_which_is_meant(string timeZone, string message)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        var response = await club.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest() with { TimeZone = timeZone }, ApiFixture.JsonOptions);

        var problem = await response.ShouldBeInvalidAsync("timeZone");
        problem.GetProperty("errors").GetProperty("timeZone")[0].GetString()!.ShouldContain(message);
    }

    [Theory]
    [InlineData("America/Argentina/Buenos_Aires")]
    [InlineData("UTC")]
    public async Task A_time_zone_as_the_zone_database_spells_it_is_stored_as_given(string timeZone)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        var response = await club.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest() with { TimeZone = timeZone }, ApiFixture.JsonOptions);

        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!.TimeZone.ShouldBe(timeZone);
    }

    [Theory]
    [InlineData("title", 121)]
    [InlineData("description", 4001)]
    public async Task Texts_longer_than_their_limit_are_400(string field, int length)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var request = OffersAndSlots.OfferRequest();
        request = field == "title" ? request with { Title = new string('a', length) } : request with { Description = new string('a', length) };

        var response = await club.Client.PostAsJsonAsync("/v1/offers", request, ApiFixture.JsonOptions);

        await response.ShouldBeInvalidAsync(field);
    }

    [Theory]
    [InlineData("{\"title\":\"x\"}", "category")]
    [InlineData("{\"category\":\"gardening\"," + "\"title\":\"x\"}", "category")]
    [InlineData("{\"category\":\"mobility, childcare\"," + "\"title\":\"x\"}", "category")]
    [InlineData("{\"category\":\"childcare \"," + "\"title\":\"x\"}", "category")]
    [InlineData("{\"category\":\"concierge\",\"title\":42}", "title")]
    public async Task Missing_fields_wrong_types_and_unknown_values_are_400(string json, string field)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        var response = await club.Client.PostAsync("/v1/offers", Json(json));

        await response.ShouldBeInvalidAsync(field);
    }

    [Fact]
    public async Task More_than_twenty_providers_is_400()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var providers = Enumerable.Range(0, 21).Select(_ => Ids.New(Ids.Organization)).ToList();

        var response = await club.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(providerIds: providers), ApiFixture.JsonOptions);

        await response.ShouldBeInvalidAsync("providerIds");
    }

    [Fact]
    public async Task A_co_funder_must_be_a_registered_partner()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var partner = await api.RegisterAsync(OrganizationKind.Partner);
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var member = await api.RegisterMemberAsync(club);

        var funded = await api.PublishOfferAsync(club, coFunding: new CoFunding(partner.Id, 3000));
        funded.CoFunding.ShouldBe(new CoFunding(partner.Id, 3000));

        var byMember = await club.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(coFunding: new CoFunding(member.Id, 3000)), ApiFixture.JsonOptions);
        await byMember.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_a_partner");
        // A company the club may not read is as unknown as an id nobody has: naming ids tells nothing of which exist.
        foreach (var unknown in new[] { company.Id, Ids.New(Ids.Organization) })
        {
            var named = await club.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(coFunding: new CoFunding(unknown, 3000)), ApiFixture.JsonOptions);
            (await named.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found")).GetProperty("detail").GetString()!.ShouldBe($"Organization {unknown} does not exist.");
        }
    }

    [Fact]
    public async Task Only_registered_providers_are_listed_as_an_offers_providers()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var provider = await api.RegisterAsync(OrganizationKind.Provider);
        var otherClub = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterAsync(OrganizationKind.Company);

        var byCompany = await club.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(providerIds: [provider.Id, company.Id]), ApiFixture.JsonOptions);
        (await byCompany.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found")).GetProperty("detail").GetString()!.ShouldContain(company.Id);
        var byOperator = await api.Operator.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(providerIds: [provider.Id, company.Id]) with { ClubId = club.Id }, ApiFixture.JsonOptions);
        (await byOperator.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_a_provider")).GetProperty("detail").GetString()!.ShouldContain(company.Id);
        var offer = await api.PublishOfferAsync(club, providerIds: [provider.Id]);

        // Listing another club would let it read the offer's bookings and record attendance.
        var revised = await club.Client.PatchAsJsonAsync($"/v1/offers/{offer.Id}", new ReviseOfferRequest(ProviderIds: [otherClub.Id]), ApiFixture.PartialChangeOptions);
        await revised.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_a_provider");
        var nobody = Ids.New(Ids.Organization);
        var byNobody = await club.Client.PatchAsJsonAsync($"/v1/offers/{offer.Id}", new ReviseOfferRequest(ProviderIds: [nobody]), ApiFixture.PartialChangeOptions);
        (await byNobody.ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found")).GetProperty("detail").GetString()!.ShouldContain(nobody);
        (await club.Client.GetFromJsonAsync<OfferResponse>($"/v1/offers/{offer.Id}", ApiFixture.JsonOptions))!.ProviderIds.ShouldBe([provider.Id]);
    }

    [Fact]
    public async Task An_unknown_or_malformed_offer_id_is_404()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);

        await (await company.Client.GetAsync($"/v1/offers/{Ids.New(Ids.Offer)}")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await company.Client.GetAsync("/v1/offers/nonsense")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task The_owning_club_revises_only_the_fields_it_sends()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        var revised = await club.Client.SendAsync(Send(HttpMethod.Patch, $"/v1/offers/{offer.Id}",
            new ReviseOfferRequest(Title: "Conciergerie", UnitPrice: Money.Euros(1500)), ifMatch: "\"1\""));

        revised.StatusCode.ShouldBe(HttpStatusCode.OK, await revised.Content.ReadAsStringAsync());
        revised.Headers.ETag!.Tag.ShouldBe("\"2\"");
        var body = (await revised.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!;
        body.Title.ShouldBe("Conciergerie");
        body.UnitPrice.ShouldBe(Money.Euros(1500));
        body.Description.ShouldBe(offer.Description);
        body.MonthlyFee.ShouldBe(offer.MonthlyFee);
    }

    [Fact]
    public async Task A_revision_that_changes_nothing_keeps_the_version()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        var unchanged = await club.Client.SendAsync(Send(HttpMethod.Patch, $"/v1/offers/{offer.Id}", new ReviseOfferRequest(Title: offer.Title), ifMatch: "\"1\""));

        unchanged.StatusCode.ShouldBe(HttpStatusCode.OK, await unchanged.Content.ReadAsStringAsync());
        unchanged.Headers.ETag!.Tag.ShouldBe("\"1\"");
        var later = await club.Client.SendAsync(Send(HttpMethod.Patch, $"/v1/offers/{offer.Id}", new ReviseOfferRequest(Title: "Conciergerie"), ifMatch: "\"1\""));
        later.StatusCode.ShouldBe(HttpStatusCode.OK, await later.Content.ReadAsStringAsync());
        var again = await club.Client.SendAsync(Send(HttpMethod.Patch, $"/v1/offers/{offer.Id}", new ReviseOfferRequest(Title: "Conciergerie"), ifMatch: "\"2\""));
        again.Headers.ETag!.Tag.ShouldBe("\"2\"");
        // Its caller can still wait for the read models to show the revision that made the offer so.
        again.Headers.GetValues("Services-Position").Single().ShouldBe(later.Headers.GetValues("Services-Position").Single());
    }

    [Fact]
    public async Task A_partner_of_another_territory_is_refused_as_co_funder()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var elsewhere = await api.RegisterAsync(OrganizationKind.Partner, "ouest-rhodanien");
        var offer = await api.PublishOfferAsync(club);

        var published = await club.Client.PostAsJsonAsync("/v1/offers", OffersAndSlots.OfferRequest(Category.Concierge, "grand-figeac", new CoFunding(elsewhere.Id, 10_000)), ApiFixture.JsonOptions);
        await published.ShouldBeProblemAsync(HttpStatusCode.Conflict, "partner_outside_territories");
        var revised = await club.Client.PatchAsJsonAsync($"/v1/offers/{offer.Id}", new ReviseOfferRequest(CoFunding: new CoFunding(elsewhere.Id, 10_000)), ApiFixture.PartialChangeOptions);
        await revised.ShouldBeProblemAsync(HttpStatusCode.Conflict, "partner_outside_territories");
    }

    [Fact]
    public async Task A_revision_adds_and_removes_co_funding()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var partner = await api.RegisterAsync(OrganizationKind.Partner);
        var offer = await api.PublishOfferAsync(club);

        var added = await club.Client.PatchAsJsonAsync($"/v1/offers/{offer.Id}", new ReviseOfferRequest(CoFunding: new CoFunding(partner.Id, 2500)), ApiFixture.PartialChangeOptions);
        (await added.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!.CoFunding.ShouldBe(new CoFunding(partner.Id, 2500));
        var removed = await club.Client.PatchAsJsonAsync($"/v1/offers/{offer.Id}", new ReviseOfferRequest(RemoveCoFunding: true), ApiFixture.PartialChangeOptions);
        (await removed.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!.CoFunding.ShouldBeNull();

        var both = await club.Client.PatchAsJsonAsync($"/v1/offers/{offer.Id}", new ReviseOfferRequest(CoFunding: new CoFunding(partner.Id, 2500), RemoveCoFunding: true), ApiFixture.PartialChangeOptions);
        await both.ShouldBeInvalidAsync("removeCoFunding");
        var notAPartner = await club.Client.PatchAsJsonAsync($"/v1/offers/{offer.Id}", new ReviseOfferRequest(CoFunding: new CoFunding(club.Id, 2500)), ApiFixture.PartialChangeOptions);
        await notAPartner.ShouldBeProblemAsync(HttpStatusCode.Conflict, "not_a_partner");
    }

    [Fact]
    public async Task A_revision_with_a_stale_if_match_is_412()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        await api.SuspendOfferAsync(club, offer.Id);

        var stale = await club.Client.SendAsync(Send(HttpMethod.Patch, $"/v1/offers/{offer.Id}", new ReviseOfferRequest(Title: "New"), ifMatch: "\"1\""));

        await stale.ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
    }

    [Fact]
    public async Task A_malformed_if_match_is_400()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        foreach (var malformed in new[] { "1", "\"1\", *" })
        {
            var request = Send(HttpMethod.Patch, $"/v1/offers/{offer.Id}", new ReviseOfferRequest(Title: "New"));
            request.Headers.TryAddWithoutValidation("If-Match", malformed).ShouldBeTrue();

            await (await club.Client.SendAsync(request)).ShouldBeInvalidAsync("If-Match");
        }
    }

    [Theory]
    [InlineData("W/\"1\"")]
    [InlineData("\"v1\"")]
    [InlineData("W/\"1\", \"7\"")]
    public async Task An_if_match_that_names_no_current_version_strongly_is_412(string ifMatch)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        var request = Send(HttpMethod.Patch, $"/v1/offers/{offer.Id}", new ReviseOfferRequest(Title: "New"));
        request.Headers.TryAddWithoutValidation("If-Match", ifMatch).ShouldBeTrue();

        await (await club.Client.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
    }

    [Fact]
    public async Task An_if_match_list_allows_the_change_when_one_of_its_tags_is_the_current_version()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        var request = Send(HttpMethod.Patch, $"/v1/offers/{offer.Id}", new ReviseOfferRequest(Title: "New"));
        request.Headers.TryAddWithoutValidation("If-Match", "\"7\", W/\"1\", \"1\"").ShouldBeTrue();

        var response = await club.Client.SendAsync(request);
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_null_co_funding_is_refused_saying_to_send_removeCoFunding_and_the_partner_keeps_paying()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var partner = await api.RegisterAsync(OrganizationKind.Partner);
        var offer = await api.PublishOfferAsync(club, coFunding: new CoFunding(partner.Id, 2500));

        var request = Send(HttpMethod.Patch, $"/v1/offers/{offer.Id}", ifMatch: "\"1\"");
        request.Content = Json("{\"coFunding\":null}");
        var problem = await (await club.Client.SendAsync(request)).ShouldBeInvalidAsync("coFunding");

        problem.GetProperty("errors").GetProperty("coFunding")[0].GetString()!.ShouldContain("removeCoFunding: true");
        var read = await club.Client.GetAsync($"/v1/offers/{offer.Id}");
        (await read.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!.CoFunding.ShouldBe(new CoFunding(partner.Id, 2500));
        read.Headers.ETag!.Tag.ShouldBe("\"1\"");
        // The contract says so too: no null among coFunding's choices.
        using var contract = System.Text.Json.JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var field = contract.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("ReviseOfferRequest").GetProperty("properties").GetProperty("coFunding");
        field.GetRawText().ShouldNotContain("\"null\"");
    }

    [Fact]
    public async Task A_null_provider_list_is_refused_saying_to_send_an_empty_one()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        var problem = await (await club.Client.PatchAsync($"/v1/offers/{offer.Id}", Json("{\"title\":\"Renamed\",\"providerIds\":null}"))).ShouldBeInvalidAsync("providerIds");

        problem.GetProperty("errors").GetProperty("providerIds")[0].GetString()!.ShouldContain("Send [] to list no provider.");
        (await api.CountAsync("select count(*) from es_events where stream_id = $1 and event_type = 'offer.revised'", $"offer-{offer.Id}")).ShouldBe(0);
    }

    [Theory]
    [InlineData("description")]
    [InlineData("territories")]
    [InlineData("monthlyFee")]
    [InlineData("unitPrice")]
    public async Task A_null_for_a_field_that_cannot_be_cleared_reads_as_left_out(string field)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        var revised = await club.Client.PatchAsync($"/v1/offers/{offer.Id}", Json($"{{\"title\":\"Renamed\",\"{field}\":null}}"));

        revised.StatusCode.ShouldBe(HttpStatusCode.OK, await revised.Content.ReadAsStringAsync());
        var read = (await revised.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!;
        read.Title.ShouldBe("Renamed");
        read.ShouldBeEquivalentTo(offer with { Title = "Renamed" });
    }

    [Fact]
    public async Task Invalid_revisions_are_400_naming_the_field()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        await (await club.Client.PatchAsync($"/v1/offers/{offer.Id}", Json("{\"title\":\"\"}"))).ShouldBeInvalidAsync("title");
        await (await club.Client.PatchAsync($"/v1/offers/{offer.Id}", Json("{\"timeZone\":\"Europe/Paris\"}"))).ShouldBeInvalidAsync("timeZone");
        await (await club.Client.PatchAsync($"/v1/offers/{offer.Id}", Json("{\"monthlyFee\":{\"amount\":1,\"currency\":\"GBP\"}}"))).ShouldBeInvalidAsync("monthlyFee.currency");
    }

    [Fact]
    public async Task Another_club_may_read_but_not_change_an_offer()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var other = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        (await other.Client.GetAsync($"/v1/offers/{offer.Id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await (await other.Client.PatchAsJsonAsync($"/v1/offers/{offer.Id}", new ReviseOfferRequest(Title: "Mine"), ApiFixture.PartialChangeOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        foreach (var action in new[] { "suspend", "resume", "withdraw" })
            await (await other.Client.PostAsync($"/v1/offers/{offer.Id}/{action}", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task A_company_may_not_change_an_offer()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var offer = await api.PublishOfferAsync(club);

        await (await company.Client.PatchAsJsonAsync($"/v1/offers/{offer.Id}", new ReviseOfferRequest(Title: "Mine"), ApiFixture.PartialChangeOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await company.Client.PostAsync($"/v1/offers/{offer.Id}/withdraw", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
    }

    [Fact]
    public async Task Changing_an_unknown_offer_is_404()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var unknown = Ids.New(Ids.Offer);

        await (await club.Client.PatchAsJsonAsync($"/v1/offers/{unknown}", new ReviseOfferRequest(Title: "x"), ApiFixture.PartialChangeOptions)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        await (await club.Client.PostAsync($"/v1/offers/{unknown}/suspend", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task An_offer_is_suspended_with_a_reason_resumed_and_withdrawn()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        var suspended = await club.Client.SendAsync(Send(HttpMethod.Post, $"/v1/offers/{offer.Id}/suspend", new SuspendOfferRequest("Provider on holiday"), ifMatch: "\"1\""));
        suspended.StatusCode.ShouldBe(HttpStatusCode.OK, await suspended.Content.ReadAsStringAsync());
        suspended.Headers.ETag!.Tag.ShouldBe("\"2\"");
        (await suspended.Content.ReadFromJsonAsync<OfferResponse>(ApiFixture.JsonOptions))!.Status.ShouldBe(OfferStatus.Suspended);

        (await api.ResumeOfferAsync(club, offer.Id)).Status.ShouldBe(OfferStatus.Active);
        (await api.WithdrawOfferAsync(club, offer.Id)).Status.ShouldBe(OfferStatus.Withdrawn);

        var read = await club.Client.GetAsync($"/v1/offers/{offer.Id}");
        read.Headers.ETag!.Tag.ShouldBe("\"4\"");
    }

    [Fact]
    public async Task The_operator_manages_any_clubs_offer()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        var suspended = await api.Operator.PostAsync($"/v1/offers/{offer.Id}/suspend", null);

        suspended.StatusCode.ShouldBe(HttpStatusCode.OK, await suspended.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Lifecycle_changes_that_break_a_rule_are_409()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        await (await club.Client.PostAsync($"/v1/offers/{offer.Id}/resume", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_not_suspended");
        await api.SuspendOfferAsync(club, offer.Id);
        await (await club.Client.PostAsync($"/v1/offers/{offer.Id}/suspend", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_not_active");
        await api.WithdrawOfferAsync(club, offer.Id);
        await (await club.Client.PostAsync($"/v1/offers/{offer.Id}/withdraw", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_withdrawn");
        await (await club.Client.PostAsync($"/v1/offers/{offer.Id}/resume", null)).ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_withdrawn");
        await (await club.Client.PatchAsJsonAsync($"/v1/offers/{offer.Id}", new ReviseOfferRequest(Title: "Back"), ApiFixture.PartialChangeOptions))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict, "offer_withdrawn");
    }

    [Fact]
    public async Task Lifecycle_changes_with_a_stale_if_match_are_412()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        await api.SuspendOfferAsync(club, offer.Id);

        await (await club.Client.SendAsync(Send(HttpMethod.Post, $"/v1/offers/{offer.Id}/resume", ifMatch: "\"1\""))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        await (await club.Client.SendAsync(Send(HttpMethod.Post, $"/v1/offers/{offer.Id}/withdraw", ifMatch: "\"1\""))).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        (await club.Client.SendAsync(Send(HttpMethod.Post, $"/v1/offers/{offer.Id}/resume", ifMatch: "\"2\""))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_suspension_reason_is_checked()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);

        await (await club.Client.PostAsJsonAsync($"/v1/offers/{offer.Id}/suspend", new SuspendOfferRequest(new string('a', 501)), ApiFixture.JsonOptions)).ShouldBeInvalidAsync("reason");
        await (await club.Client.PostAsync($"/v1/offers/{offer.Id}/suspend", Json("{\"why\":\"x\"}"))).ShouldBeInvalidAsync("why");
    }

    private static IEnumerable<string> Split(string fields)
    {
        // Splits top-level "name":value pairs (values may contain commas inside braces or brackets).
        var depth = 0;
        var start = 0;
        for (var i = 0; i < fields.Length; i++)
        {
            depth += fields[i] switch { '{' or '[' => 1, '}' or ']' => -1, _ => 0 };
            if (fields[i] == ',' && depth == 0)
            {
                yield return fields[start..i];
                start = i + 1;
            }
        }
        yield return fields[start..];
    }
}
