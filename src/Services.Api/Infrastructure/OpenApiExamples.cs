using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Services.Api.Admin;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Indicators;
using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.Api.Territories;
using Services.Api.Usage;
using Services.Api.Webhooks;

namespace Services.Api.Infrastructure;

/// <summary>
/// An example of every request body and of every answer, built from their types (so they cannot
/// drift from their shape) and written as the API writes JSON; a test posts each request and expects no 400.
/// They name every organization as the operator must (clubId, companyId); a club or company may leave
/// its own id out. The answers tell one story: the company's November on the shuttle, billed and delivered.
/// </summary>
internal static class OpenApiExamples
{
    private const string Territory = "grand-figeac";
    private const string Club = "org_01jbz3k9x0c1vbc1vbc1vbc1";
    private const string Company = "org_01jbz3k9x0c0mpanyc0mpany";
    private const string Partner = "org_01jbz3k9x0partnerpartner";
    private const string Provider = "org_01jbz3k9x0pr0v1derpr0v1d";
    private const string OfferId = "off_01jbz3k9x0sh0tt1esh0tt1e";
    private const string SlotId = "slt_01jbz3k9x0m0rn1ngm0rn1ng";
    private const string SubscriptionId = "sub_01jbz3k9x0acmeacmeacme00";
    private const string BookingId = "bkg_01jbz3k9x0b00k1ngb00k1ng";
    private const string OtherBookingId = "bkg_01jbz3k9x0sec0ndb00k1ngs";
    private const string ApiKeyId = "key_01jbz3k9x0hrhrhrhrhrhrhr";
    private const string WebhookId = "whk_01jbz3k9x0h00kh00kh00kh0";
    private const string Title = "Shuttle Figeac station - activity zone";
    private const string Month = "2026-11";

    private static readonly DateTimeOffset Departure = new(2026, 12, 1, 7, 30, 0, TimeSpan.Zero);
    private static readonly IReadOnlyList<string> WebhookEventTypes = ["booking.*", "slot.cancelled"];

    private static readonly OrganizationResponse Organization = new(Company, OrganizationKind.Company, "Ateliers du Causse", [Territory], "84217659300015", null);

    /// <summary>November on the shuttle: 12 units (10 attended, 2 no-show) at 2.50 EUR, the 500 EUR fee, 30 % co-funded.</summary>
    private static readonly UsageTotalsResponse NovemberTotals = new(Money.Euros(50_000), 10, 2, Money.Euros(3_000), Money.Euros(53_000), Money.Euros(15_900), Money.Euros(37_100));

    /// <summary>When November's figures stand (<see cref="FinalFigures.From"/>).</summary>
    private static readonly DateTimeOffset NovemberFinalFrom = FinalFigures.From(new DateOnly(2026, 11, 30));

    private static readonly UsageStatementResponse NovemberStatement = new(Company, Organization.Name, Month, true, NovemberFinalFrom,
        [new UsageLineResponse(OfferId, Club, Title, Category.Mobility, NovemberTotals.SubscriptionFees, NovemberTotals.AttendedUnits, NovemberTotals.NoShowUnits,
            NovemberTotals.UnitCharges, NovemberTotals.Total, 3000, NovemberTotals.CoFunding, NovemberTotals.AmountDue, null)],
        NovemberTotals);

    public static readonly IReadOnlyDictionary<Type, object> Requests = new Dictionary<Type, object>
    {
        [typeof(RegisterOrganizationRequest)] = new RegisterOrganizationRequest(OrganizationKind.Company, "Ateliers du Causse", [Territory], "84217659300015"),
        [typeof(RenameOrganizationRequest)] = new RenameOrganizationRequest("Ateliers du Causse (Figeac site)"),
        [typeof(IssueApiKeyRequest)] = new IssueApiKeyRequest("HR intranet", Security.ApiKeyAccess.Full),
        [typeof(AdmitMemberRequest)] = new AdmitMemberRequest(Company),
        [typeof(PublishOfferRequest)] = new PublishOfferRequest(
            Category.Mobility, "Shuttle Figeac station - activity zone", "Morning and evening shuttle between the station and the Aiguille activity zone.",
            [Territory], "Europe/Paris", Money.Euros(50_000), Money.Euros(250), new CoFunding(Partner, 3000), [Provider], Club),
        [typeof(ReviseOfferRequest)] = new ReviseOfferRequest(Title: "Shuttle Figeac station - Aiguille zone", UnitPrice: Money.Euros(200)),
        [typeof(SuspendOfferRequest)] = new SuspendOfferRequest("Road works until the 15th."),
        [typeof(ScheduleSlotsRequest)] = new ScheduleSlotsRequest([new ScheduleSlotItem(Departure, Departure.AddMinutes(30), 20)]),
        [typeof(ChangeSlotCapacityRequest)] = new ChangeSlotCapacityRequest(30),
        [typeof(RescheduleSlotRequest)] = new RescheduleSlotRequest(Departure.AddMinutes(15), Departure.AddMinutes(45)),
        [typeof(CancelSlotRequest)] = new CancelSlotRequest("The driver is ill."),
        [typeof(SubscribeRequest)] = new SubscribeRequest(OfferId, 40, CompanyId: Company),
        [typeof(ChangeQuotaRequest)] = new ChangeQuotaRequest(60),
        [typeof(BookSeatRequest)] = new BookSeatRequest(SubscriptionId, SlotId, 1, "hr-4711", new ContactDetails(Phone: "+33 6 12 34 56 78")),
        [typeof(RecordAttendanceRequest)] = new RecordAttendanceRequest(AttendanceOutcome.Attended),
        [typeof(ContactDetails)] = new ContactDetails(Phone: "+33 6 98 76 54 32"),
        [typeof(RecordSlotAttendanceRequest)] = new RecordSlotAttendanceRequest(
            [new SlotAttendanceRecord(BookingId, AttendanceOutcome.Attended), new SlotAttendanceRecord(OtherBookingId, AttendanceOutcome.NoShow)]),
        [typeof(RecordNeedRequest)] = new RecordNeedRequest(Category.Childcare, Territory, 6, "Childcare before 7:00 for the early shift.", "Weekdays 5:30-7:30", Company),
        [typeof(AcknowledgeNeedRequest)] = new AcknowledgeNeedRequest(Club),
        [typeof(AddressNeedRequest)] = new AddressNeedRequest(OfferId),
        [typeof(CreateWebhookRequest)] = new CreateWebhookRequest("https://hr.example.com/hooks/services", ["booking.*", "slot.cancelled"], "HR tool"),
        [typeof(UpdateWebhookRequest)] = new UpdateWebhookRequest(Url: "https://hr.example.com/hooks/services-v2"),
    };

    private static readonly Feed.EventResponse Event = Feed.EventResponse.From(Guid.Parse("0193a7c2-5f1e-7d4a-9b3c-2e8f6a1d4b70"), "booking.confirmed",
        Booking.StreamId(BookingId), Departure.AddDays(-2), new EventStore.FeedPosition(894_100, 3), "{}", OrganizationKind.Company);

    /// <summary>Every answer's body as it comes back (ids as in <see cref="Requests"/>); a list's page shows its item's example.</summary>
    public static readonly IReadOnlyDictionary<Type, object> Answers = new Dictionary<Type, object>
    {
        [typeof(OrganizationResponse)] = Organization,
        [typeof(CallerResponse)] = new CallerResponse(Company, OrganizationKind.Company, Security.ApiKeyAccess.Full, ApiKeyId, Organization),
        [typeof(MembershipResponse)] = new MembershipResponse(Club, Departure.AddDays(-120)),
        [typeof(MemberResponse)] = new MemberResponse(Company, Organization.Name, Organization.Siret, Departure.AddDays(-120)),
        [typeof(ApiKeyResponse)] = new ApiKeyResponse(ApiKeyId, "HR intranet", Security.ApiKeyAccess.Full, ApiKeyStatus.Active, Departure.AddDays(-60),
            ExpiresAt: null, LastUsedAt: Departure.AddDays(-1).AddMinutes(-17)),
        [typeof(IssuedApiKeyResponse)] = new IssuedApiKeyResponse(ApiKeyId, Company, "HR intranet",
            $"svc_{ApiKeyId}_9f2c4e1a7b3d5f60812a4c6e8b0d2f4a6c8e0b2d4f6a8c1e3b5d7f9a0c2e4b6d", Security.ApiKeyAccess.Full, ExpiresAt: null),
        [typeof(OfferResponse)] = new OfferResponse(OfferId, Club, Category.Mobility, Title,
            "Morning and evening shuttle between the station and the Aiguille activity zone.", [Territory], "Europe/Paris",
            Money.Euros(50_000), Money.Euros(250), new CoFunding(Partner, 3000), [Provider], OfferStatus.Active),
        [typeof(SlotResponse)] = new SlotResponse(SlotId, OfferId, Departure, Departure.AddMinutes(30), 20, 19, 1, 0, SlotStatus.Scheduled, OfferStatus.Active, null),
        [typeof(ScheduledSlotsResponse)] = new ScheduledSlotsResponse(
            [new SlotResponse(SlotId, OfferId, Departure, Departure.AddMinutes(30), 20, 0, 20, 0, SlotStatus.Scheduled, OfferStatus.Active, null)]),
        [typeof(SubscriptionResponse)] = new SubscriptionResponse(SubscriptionId, Company, Organization.Name, OfferId, Club, SubscriptionStatus.Active, 40,
            new DateOnly(2026, 11, 1), null, null, [new SubscriptionMonthUsage(Month, 12, 28), new SubscriptionMonthUsage("2026-12", 1, 39)]),
        [typeof(BookingResponse)] = new BookingResponse(BookingId, Company, Organization.Name, SubscriptionId, OfferId, SlotId, Departure, 1, "hr-4711",
            Departure.AddDays(-2), BookingStatus.Confirmed, null, null, null, null, new BookingContact(ContactStatus.Available, null, null, "+33 6 12 34 56 78"), null, null),
        [typeof(RecordedSlotAttendanceResponse)] = new RecordedSlotAttendanceResponse(
        [
            new BookingResponse(BookingId, Company, Organization.Name, SubscriptionId, OfferId, SlotId, Departure, 1, "hr-4711", Departure.AddDays(-2),
                BookingStatus.Confirmed, null, AttendanceOutcome.Attended, null, null, BookingContact.Withheld, Provider, Departure.AddMinutes(35)),
            new BookingResponse(OtherBookingId, Company, Organization.Name, SubscriptionId, OfferId, SlotId, Departure, 2, "hr-5120", Departure.AddDays(-1),
                BookingStatus.Confirmed, null, AttendanceOutcome.NoShow, null, null, null, Provider, Departure.AddMinutes(35)),
        ]),
        [typeof(NeedResponse)] = new NeedResponse("ned_01jbz3k9x0n0edsn0edsn0ed", Company, Category.Childcare, Territory, 6,
            "Childcare before 7:00 for the early shift.", "Weekdays 5:30-7:30", NeedStatus.Open, [Club], null, Departure.AddDays(-30)),
        [typeof(DemandResponse)] = new DemandResponse(
            [new DemandWeekResponse(Territory, Category.Mobility, "2026-W49", new DateOnly(2026, 11, 30), "23", "20", "5", "<5", "<5", "15", 0, "<5", 4)]),
        [typeof(UsageStatementResponse)] = NovemberStatement,
        [typeof(ClubUsageResponse)] = new ClubUsageResponse(Club, Month, true, NovemberFinalFrom, [NovemberStatement], NovemberTotals),
        [typeof(PartnerUsageResponse)] = new PartnerUsageResponse(Partner, Month, true, NovemberFinalFrom, [NovemberStatement], NovemberTotals),
        [typeof(ProviderDeliveriesResponse)] = new ProviderDeliveriesResponse(Provider, "2026-12", true, FinalFigures.From(new DateOnly(2026, 12, 31)),
            [new DeliveredOfferResponse(OfferId, Club, Title, Category.Mobility, "Europe/Paris",
                [new DeliveredSlotResponse(SlotId, Departure, 20, false, new DeliveredUnits(18, 15, 2, 1, 0))], new DeliveredUnits(18, 15, 2, 1, 0))],
            new DeliveredUnits(18, 15, 2, 1, 0)),
        [typeof(ClubDeliveriesResponse)] = new ClubDeliveriesResponse(Club, "2026-12", true, FinalFigures.From(new DateOnly(2026, 12, 31)),
            [new ClubOfferDeliveriesResponse(OfferId, Title, Category.Mobility, "Europe/Paris",
                [new ClubSlotDeliveriesResponse(SlotId, Departure, 20, false, new DeliveredUnits(20, 16, 3, 1, 0), new WaitlistUnits(0, 3))],
                new DeliveredUnits(20, 16, 3, 1, 0), new WaitlistUnits(0, 3), 0.8)],
            new DeliveredUnits(20, 16, 3, 1, 0), new WaitlistUnits(0, 3)),
        [typeof(IndicatorsResponse)] = new IndicatorsResponse(Territory, Month, new DateOnly(2026, 11, 1), new DateOnly(2026, 11, 30), true, NovemberFinalFrom, 38, 23, "57", 0.7250, 0.6,
            "<5", 2, "9", Money.Euros(41_250)),
        [typeof(TerritoryResponse)] = new TerritoryResponse(Territory, 2, 3, 41, 4, 6),
        [typeof(WebhookResponse)] = new WebhookResponse(WebhookId, "https://hr.example.com/hooks/services",
            WebhookEventTypes, "HR tool", Departure.AddDays(-60), Departure.AddDays(-3), Company, WebhookStatus.Enabled, null),
        [typeof(CreatedWebhookResponse)] = new CreatedWebhookResponse(WebhookId, "https://hr.example.com/hooks/services",
            WebhookEventTypes, "HR tool", Departure.AddDays(-60), "whsec_3b8e1f0a6c2d4e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d", WebhookStatus.Enabled, null, Company),
        [typeof(RotatedWebhookSecretResponse)] = new RotatedWebhookSecretResponse(WebhookId,
            "whsec_5d7f9a1c3e5b7d9f0a2c4e6b8d0f1a3c5e7b9d1f3a5c7e9b", Departure.AddDays(-3)),
        [typeof(WebhookDeliveryResponse)] = new WebhookDeliveryResponse("dlv_4f1c9e2a7b3d5f6081a2c4e6", new Guid("0193a7c2-5e41-7b0a-9c3d-2f8e6b1a4d70"),
            "booking.confirmed", WebhookDeliveryStatus.Delivered, 2, null, null, Departure.AddDays(-2).AddSeconds(12), Departure.AddDays(-2),
            [new WebhookAttemptResponse(1, Departure.AddDays(-2).AddSeconds(1), 503, 84, "HTTP 503 Service Unavailable"),
             new WebhookAttemptResponse(2, Departure.AddDays(-2).AddSeconds(12), 200, 41, null)]),
        [typeof(WebhookPing)] = WebhookPing.Of(new WebhookResponse(WebhookId, "https://hr.example.com/hooks/services", WebhookEventTypes, "HR tool", Departure.AddDays(-60), null, Company,
                WebhookStatus.Enabled, null),
            new Guid("0193a7c2-6a02-7c1e-8d4f-3a9b7c2e5f81"), Departure.AddDays(-1)),
        [typeof(ProjectionStatusResponse)] = new ProjectionStatusResponse("catalog", "48213.2", 0, 0, "api-1:4120:3f9c2a1b",
            Departure.AddSeconds(30), ProjectionState.Running, null, Departure, 0),
        [typeof(RebuildStartedResponse)] = new RebuildStartedResponse("catalog", ProjectionState.Rebuilding),
        // Made as the feed and the webhook outbox make it, so that it shows what they send.
        [typeof(Feed.EventResponse)] = Event,
        [typeof(Feed.EventPage)] = new Feed.EventPage([Event], Feed.FeedCursor.Encode(new EventStore.FeedPosition(894_100, 3))),
    };

    public static Task ApplyAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        // A request body that is also a field of another (contact details) is first met as that field: its schema is the same.
        if (context.JsonPropertyInfo is not null && !Requests.ContainsKey(context.JsonTypeInfo.Type)) return Task.CompletedTask;
        var json = context.ApplicationServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var type = context.JsonTypeInfo.Type;
        // A request leaves optional fields out; an answer writes them, null included, as the API does.
        if (Requests.TryGetValue(type, out var request)) schema.Examples = [WithoutNulls(JsonSerializer.SerializeToNode(request, type, json)!)];
        else if (Answers.TryGetValue(type, out var answer)) schema.Examples = [JsonSerializer.SerializeToNode(answer, type, json)!];
        else if (PageOf(type) is { } page) schema.Examples = [JsonSerializer.SerializeToNode(page, type, json)!];
        return Task.CompletedTask;
    }

    /// <summary>A list's last page of one item, the item's own example.</summary>
    private static object? PageOf(Type type)
    {
        if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(Page<>)) return null;
        var itemType = type.GetGenericArguments()[0];
        if (!Answers.TryGetValue(itemType, out var item)) return null;
        var items = Array.CreateInstance(itemType, 1);
        items.SetValue(item, 0);
        return Activator.CreateInstance(type, items, null);
    }

    /// <summary>Optional fields left out show as absent, as a client would send them.</summary>
    private static JsonNode WithoutNulls(JsonNode node)
    {
        if (node is JsonObject fields)
        {
            foreach (var (name, value) in fields.ToList())
            {
                if (value is null) fields.Remove(name);
                else WithoutNulls(value);
            }
        }
        else if (node is JsonArray items)
        {
            foreach (var item in items) if (item is not null) WithoutNulls(item);
        }
        return node;
    }
}
