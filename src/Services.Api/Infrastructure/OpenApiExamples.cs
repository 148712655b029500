using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.Api.Territories;
using Services.Api.Usage;
using Services.Api.Webhooks;

namespace Services.Api.Infrastructure;

/// <summary>
/// An example of every request body and of the main resources, built from their types (so they cannot
/// drift from their shape) and written as the API writes JSON; a test posts each request and expects no 400.
/// They name every organization as the operator must (clubId, companyId); a club or company may leave
/// its own id out.
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

    private static readonly DateTimeOffset Departure = new(2026, 12, 1, 7, 30, 0, TimeSpan.Zero);

    public static readonly IReadOnlyDictionary<Type, object> Requests = new Dictionary<Type, object>
    {
        [typeof(RegisterOrganizationRequest)] = new RegisterOrganizationRequest(OrganizationKind.Company, "Ateliers du Causse", [Territory], "84217659300015"),
        [typeof(RenameOrganizationRequest)] = new RenameOrganizationRequest("Ateliers du Causse (Figeac site)"),
        [typeof(IssueApiKeyRequest)] = new IssueApiKeyRequest("HR intranet"),
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
        [typeof(RecordNeedRequest)] = new RecordNeedRequest(Category.Childcare, Territory, 6, "Childcare before 7:00 for the early shift.", "Weekdays 5:30-7:30", Company),
        [typeof(AcknowledgeNeedRequest)] = new AcknowledgeNeedRequest(Club),
        [typeof(AddressNeedRequest)] = new AddressNeedRequest(OfferId),
        [typeof(CreateWebhookRequest)] = new CreateWebhookRequest("https://hr.example.com/hooks/services", ["booking.*", "slot.cancelled"], "HR tool"),
        [typeof(UpdateWebhookRequest)] = new UpdateWebhookRequest(Url: "https://hr.example.com/hooks/services-v2"),
    };

    /// <summary>The main resources as they come back, for the answers' schemas (ids as in <see cref="Requests"/>).</summary>
    public static readonly IReadOnlyDictionary<Type, object> Answers = new Dictionary<Type, object>
    {
        [typeof(OrganizationResponse)] = new OrganizationResponse(Company, OrganizationKind.Company, "Ateliers du Causse", [Territory], "84217659300015", null),
        [typeof(OfferResponse)] = new OfferResponse(OfferId, Club, Category.Mobility, "Shuttle Figeac station - activity zone",
            "Morning and evening shuttle between the station and the Aiguille activity zone.", [Territory], "Europe/Paris",
            Money.Euros(50_000), Money.Euros(250), new CoFunding(Partner, 3000), [Provider], OfferStatus.Active),
        [typeof(SlotResponse)] = new SlotResponse(SlotId, OfferId, Departure, Departure.AddMinutes(30), 20, 19, 1, 0, SlotStatus.Scheduled, OfferStatus.Active, null),
        [typeof(SubscriptionResponse)] = new SubscriptionResponse(SubscriptionId, Company, OfferId, Club, SubscriptionStatus.Active, 40,
            new DateOnly(2026, 11, 1), null, [new SubscriptionMonthUsage("2026-11", 12, 28), new SubscriptionMonthUsage("2026-12", 1, 39)]),
        [typeof(BookingResponse)] = new BookingResponse(BookingId, Company, SubscriptionId, OfferId, SlotId, Departure, 1, "hr-4711",
            Departure.AddDays(-2), BookingStatus.Confirmed, null, null, null, null, new BookingContact(ContactStatus.Available, null, null, "+33 6 12 34 56 78")),
        [typeof(NeedResponse)] = new NeedResponse("ned_01jbz3k9x0n0edsn0edsn0ed", Company, Category.Childcare, Territory, 6,
            "Childcare before 7:00 for the early shift.", "Weekdays 5:30-7:30", NeedStatus.Open, [Club], null, Departure.AddDays(-30)),
        [typeof(ApiKeyResponse)] = new ApiKeyResponse("key_01jbz3k9x0hrhrhrhrhrhrhr", "HR intranet", ApiKeyStatus.Active, Departure.AddDays(-60)),
        [typeof(ProviderDeliveriesResponse)] = new ProviderDeliveriesResponse(Provider, "2026-12",
            [new DeliveredOfferResponse(OfferId, Club, "Shuttle Figeac station - activity zone", Category.Mobility, "Europe/Paris",
                [new DeliveredSlotResponse(SlotId, Departure, 20, false, new DeliveredUnits(18, 15, 2, 1))], new DeliveredUnits(18, 15, 2, 1))],
            new DeliveredUnits(18, 15, 2, 1)),
        [typeof(TerritoryResponse)] = new TerritoryResponse(Territory, 2, 3, 41, 4, 6),
        [typeof(WebhookResponse)] = new WebhookResponse("whk_01jbz3k9x0h00kh00kh00kh0", "https://hr.example.com/hooks/services",
            ["booking.*", "slot.cancelled"], "HR tool", Departure.AddDays(-60), Departure.AddDays(-3)),
        // Made as the feed and the webhook outbox make it, so that it shows what they send.
        [typeof(Feed.EventResponse)] = Feed.EventResponse.From(Guid.Parse("0193a7c2-5f1e-7d4a-9b3c-2e8f6a1d4b70"), "booking.confirmed",
            Booking.StreamId(BookingId), Departure.AddDays(-2), new EventStore.FeedPosition(894_100, 3), "{}", OrganizationKind.Company),
    };

    public static Task ApplyAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is not null) return Task.CompletedTask;
        var json = context.ApplicationServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var type = context.JsonTypeInfo.Type;
        // A request leaves optional fields out; an answer writes them, null included, as the API does.
        if (Requests.TryGetValue(type, out var request)) schema.Examples = [WithoutNulls(JsonSerializer.SerializeToNode(request, type, json)!)];
        else if (Answers.TryGetValue(type, out var answer)) schema.Examples = [JsonSerializer.SerializeToNode(answer, type, json)!];
        return Task.CompletedTask;
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
