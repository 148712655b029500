using System.Net;
using Services.Client.Models;

namespace Services.Client.Tests.EndToEnd;

public sealed class ClientEndToEndTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_club_and_a_company_go_from_registration_to_a_booking_through_the_client()
    {
        var territory = ApiFixture.UniqueTerritory();
        var (clubId, clubKey) = await api.RegisterAsync(OrganizationKind.Club, territory);
        var (companyId, companyKey) = await api.RegisterAsync(OrganizationKind.Company, territory);
        var club = api.Client(clubKey);
        var company = api.Client(companyKey);
        await club.AdmitMemberAsync(clubId, new AdmitMemberRequest { CompanyId = companyId });

        var published = await club.PublishOfferAsync(ApiFixture.Offer(territory));
        published.StatusCode.ShouldBe(HttpStatusCode.Created);
        published.Value.Id.ShouldStartWith("off_");
        published.Value.Category.ShouldBe(Category.Mobility);
        published.Value.ClubId.ShouldBe(clubId);
        published.Position.ShouldNotBeNullOrEmpty();

        var start = DateTimeOffset.UtcNow.AddDays(2);
        var slots = (await club.ScheduleSlotsAsync(published.Value.Id, new ScheduleSlotsRequest
        {
            Slots = [new ScheduleSlotItem { Start = start, End = start.AddHours(1), Capacity = 5 }],
        })).Value.Slots;
        var slot = slots.ShouldHaveSingleItem();

        var subscription = (await company.SubscribeAsync(new SubscribeRequest { OfferId = published.Value.Id, MonthlyQuota = 10 })).Value;
        subscription.Status.ShouldBe(SubscriptionStatus.Active);

        ApiResponse<BookingResponse>? last = null;
        for (var i = 0; i < 3; i++)
        {
            last = await company.BookSeatAsync(new BookSeatRequest
            {
                SubscriptionId = subscription.Id, SlotId = slot.Id, Quantity = 1, BeneficiaryRef = $"EMP-{i}",
                Contact = i == 0 ? new ContactDetails { Name = "Camille Martin", Phone = "+33 6 12 34 56 78" } : null,
            });
            last.Value.Status.ShouldBe(BookingStatus.Confirmed);
        }

        var read = await company.GetBookingAsync(last!.Value.Id);
        read.ETag.ShouldNotBeNullOrEmpty();
        var cancelled = await company.CancelBookingAsync(read.Value.Id, new RequestOptions { IfMatch = read.ETag });
        cancelled.Value.Status.ShouldBe(BookingStatus.Cancelled);
        var stale = await Should.ThrowAsync<ServicesApiException>(() => company.CancelBookingAsync(read.Value.Id, new RequestOptions { IfMatch = read.ETag }));
        stale.StatusCode.ShouldBe(HttpStatusCode.PreconditionFailed);
        stale.Code.ShouldBe("version_mismatch");

        // Three pages of one, followed by the auto-pager, reading our own writes.
        var parameters = new ListBookingsParameters { SlotId = slot.Id, Limit = 1, MinPosition = cancelled.Position };
        var first = (await company.ListBookingsAsync(parameters)).Value;
        first.Data.Count.ShouldBe(1);
        first.Next.ShouldNotBeNull();
        var all = await company.ListBookingsAutoPagingAsync(parameters).ToListAsync();
        all.Select(b => b.BeneficiaryRef).Order().ShouldBe(["EMP-0", "EMP-1", "EMP-2"]);
        all.Select(b => b.Id).Distinct().Count().ShouldBe(3);

        // Each event the company reads comes as its type's record, the fields the contract names.
        var events = await company.ListEventsAutoPagingAsync(new ListEventsParameters { MinPosition = cancelled.Position }).ToListAsync();
        var data = events.Select(e => e.ReadData()).ToList();
        data.ShouldAllBe(d => !(d is System.Text.Json.JsonElement), "an event type the contract does not describe");
        var requested = data.OfType<BookingRequested>().Where(b => b.SlotId == slot.Id).ToList();
        requested.Select(b => b.BeneficiaryRef).Order().ShouldBe(["EMP-0", "EMP-1", "EMP-2"]);
        requested.Single(b => b.BeneficiaryRef == "EMP-0").Contact.ShouldNotBeNull().Status.ShouldBe("withheld");
        requested.Single(b => b.BeneficiaryRef == "EMP-1").Contact.ShouldBeNull();
        data.OfType<BookingCancelled>().ShouldHaveSingleItem().Reason.ShouldBe(CancellationReason.OnRequest);
    }

    [Fact]
    public async Task Errors_are_problems_with_their_type_and_the_fields_at_fault()
    {
        var (_, companyKey) = await api.RegisterAsync(OrganizationKind.Company);
        var company = api.Client(companyKey);

        var notFound = await Should.ThrowAsync<ServicesApiException>(() => company.GetBookingAsync("bkg_000000000000000000000000"));
        notFound.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        notFound.Code.ShouldBe("not_found");
        notFound.Title.ShouldNotBeNullOrEmpty();

        var invalid = await Should.ThrowAsync<ServicesApiException>(() => company.BookSeatAsync(new BookSeatRequest
        {
            SubscriptionId = "sub_000000000000000000000000", SlotId = "slt_000000000000000000000000", Quantity = 0, BeneficiaryRef = "EMP-1",
        }));
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        invalid.Code.ShouldBe("invalid_request");
        invalid.Errors.Keys.ShouldContain("quantity");

        var anonymous = await Should.ThrowAsync<ServicesApiException>(() => api.Client("svc_key_not_a_real_key").ListOffersAsync());
        anonymous.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_read_with_the_etag_of_the_copy_held_is_not_modified_until_the_resource_changes()
    {
        var territory = ApiFixture.UniqueTerritory();
        var (_, clubKey) = await api.RegisterAsync(OrganizationKind.Club, territory);
        var club = api.Client(clubKey);
        var offer = (await club.PublishOfferAsync(ApiFixture.Offer(territory))).Value;
        var read = await club.GetOfferAsync(offer.Id);
        read.NotModified.ShouldBeFalse();

        var unchanged = await club.GetOfferAsync(offer.Id, new RequestOptions { IfNoneMatch = read.ETag });

        unchanged.StatusCode.ShouldBe(HttpStatusCode.NotModified);
        unchanged.NotModified.ShouldBeTrue();
        unchanged.ETag.ShouldBe(read.ETag);
        Should.Throw<InvalidOperationException>(() => unchanged.Value);

        await club.SuspendOfferAsync(offer.Id);
        var changed = await club.GetOfferAsync(offer.Id, new RequestOptions { IfNoneMatch = read.ETag });

        changed.NotModified.ShouldBeFalse();
        changed.ETag.ShouldNotBe(read.ETag);
        changed.Value.Status.ShouldBe(OfferStatus.Suspended);
    }

    [Fact]
    public async Task The_auto_pager_walks_every_page_of_the_catalog()
    {
        var territory = ApiFixture.UniqueTerritory();
        var (_, clubKey) = await api.RegisterAsync(OrganizationKind.Club, territory);
        var club = api.Client(clubKey);
        ApiResponse<OfferResponse>? last = null;
        for (var i = 0; i < 5; i++) last = await club.PublishOfferAsync(ApiFixture.Offer(territory, $"Offre {i}"));

        var offers = await club.ListOffersAutoPagingAsync(new ListOffersParameters { Territory = territory, Limit = 2, MinPosition = last!.Position }).ToListAsync();

        offers.Select(o => o.Title).ShouldBe(["Offre 4", "Offre 3", "Offre 2", "Offre 1", "Offre 0"]); // newest first
    }

    [Fact]
    public async Task The_change_feed_and_webhooks_are_reachable_through_the_client()
    {
        var territory = ApiFixture.UniqueTerritory();
        var (_, clubKey) = await api.RegisterAsync(OrganizationKind.Club, territory);
        var club = api.Client(clubKey);
        var published = await club.PublishOfferAsync(ApiFixture.Offer(territory));

        var events = await club.ListEventsAutoPagingAsync(new ListEventsParameters { Limit = 2, MinPosition = published.Position }).ToListAsync();
        var publication = events.Where(e => e.StreamId.Contains(published.Value.Id, StringComparison.Ordinal) && e.Type == "offer.published").ShouldHaveSingleItem();
        publication.Data.GetProperty("title").GetString().ShouldBe(published.Value.Title, "the event's data, whole");
        publication.ReadData().ShouldBeOfType<OfferPublished>().MonthlyFee.Amount.ShouldBe(published.Value.MonthlyFee.Amount);
        events.Select(e => e.Id).Distinct().Count().ShouldBe(events.Count);

        var webhook = await club.CreateWebhookAsync(new CreateWebhookRequest { Url = "https://hooks.example.test/services", EventTypes = ["offer.*"] });
        webhook.Value.Secret.ShouldNotBeNullOrEmpty();
        (await club.GetWebhookAsync(webhook.Value.Id)).Value.Url.ShouldBe("https://hooks.example.test/services");
        (await club.ListWebhooksAutoPagingAsync().ToListAsync()).ShouldContain(w => w.Id == webhook.Value.Id);
        await club.DeleteWebhookAsync(webhook.Value.Id);
    }

    [Fact]
    public async Task A_change_whose_answer_was_lost_is_retried_with_its_key_and_made_once()
    {
        var territory = ApiFixture.UniqueTerritory();
        var (_, clubKey) = await api.RegisterAsync(OrganizationKind.Club, territory);
        var lose = new LoseFirstAnswerHandler();
        var club = api.Client(clubKey, new ServicesClientOptions(), lose);

        var published = await club.PublishOfferAsync(ApiFixture.Offer(territory));

        lose.Attempts.ShouldBe(2);
        lose.IdempotencyKeys.Distinct().ShouldHaveSingleItem().ShouldNotBeNullOrEmpty();
        published.IdempotentReplayed.ShouldBeTrue();
        var offers = await club.ListOffersAutoPagingAsync(new ListOffersParameters { Territory = territory, MinPosition = published.Position }).ToListAsync();
        offers.ShouldHaveSingleItem().Id.ShouldBe(published.Value.Id);
    }

    [Fact]
    public async Task A_caller_supplied_key_is_sent_on_every_attempt()
    {
        var territory = ApiFixture.UniqueTerritory();
        var (_, clubKey) = await api.RegisterAsync(OrganizationKind.Club, territory);
        var lose = new LoseFirstAnswerHandler();
        var club = api.Client(clubKey, new ServicesClientOptions { AutoIdempotencyKeys = false }, lose);

        var published = await club.PublishOfferAsync(ApiFixture.Offer(territory), new RequestOptions { IdempotencyKey = "publish-carpool-1" });

        lose.IdempotencyKeys.ShouldBe(["publish-carpool-1", "publish-carpool-1"]);
        var offers = await club.ListOffersAutoPagingAsync(new ListOffersParameters { Territory = territory, MinPosition = published.Position }).ToListAsync();
        offers.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_change_without_a_key_is_never_retried()
    {
        var territory = ApiFixture.UniqueTerritory();
        var (_, clubKey) = await api.RegisterAsync(OrganizationKind.Club, territory);
        var lose = new LoseFirstAnswerHandler();
        var club = api.Client(clubKey, new ServicesClientOptions { AutoIdempotencyKeys = false }, lose);

        await Should.ThrowAsync<HttpRequestException>(() => club.PublishOfferAsync(ApiFixture.Offer(territory)));

        lose.Attempts.ShouldBe(1);
        lose.IdempotencyKeys.ShouldBe([null]);
    }

    /// <summary>Lets the first request reach the API, then loses its answer (as a dropped connection would).</summary>
    private sealed class LoseFirstAnswerHandler : DelegatingHandler
    {
        public int Attempts { get; private set; }

        public List<string?> IdempotencyKeys { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Method == HttpMethod.Get) return await base.SendAsync(request, cancellationToken);
            Attempts++;
            IdempotencyKeys.Add(request.Headers.TryGetValues(ServicesClient.IdempotencyKeyHeader, out var keys) ? keys.Single() : null);
            var response = await base.SendAsync(request, cancellationToken);
            if (Attempts > 1) return response;
            response.Dispose();
            throw new HttpRequestException("The connection was reset before the answer arrived (simulated).");
        }
    }
}
