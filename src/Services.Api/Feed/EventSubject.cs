using Services.Api.Beneficiaries;
using Services.Api.ReadModels;

namespace Services.Api.Feed;

/// <summary>
/// The resource an event is about, the same in the change feed and in webhook deliveries: what changed, without
/// parsing <c>streamId</c>. It is always the first part of the event's type (<c>booking.confirmed</c> is about a booking).
/// </summary>
/// <param name="Type">
/// The kind of resource, and where to read it: <c>booking</c> (GET /v1/bookings/{id}), <c>slot</c> (GET /v1/slots/{id}),
/// <c>offer</c> (GET /v1/offers/{id}), <c>subscription</c> (GET /v1/subscriptions/{id}), <c>need</c> (GET /v1/needs/{id}),
/// <c>organization</c> (GET /v1/organizations/{id}); <c>beneficiary</c> (nothing to read: its contact details are erased);
/// <c>demo</c> (the operator's only: the demo territory's load); <c>webhook</c> (GET /v1/webhooks/{id}) in a ping's delivery only.
/// </param>
/// <param name="Id">
/// The resource's id, as its endpoints take it (<c>bkg_…</c> for a booking). For a beneficiary, the company's own
/// <c>beneficiaryRef</c>; the company is the event's <c>data.companyId</c>.
/// </param>
public sealed record EventSubject(string Type, string Id)
{
    /// <summary>Read from the stream id alone (<c>{type}-{id}</c>): nothing is stored for it.</summary>
    public static EventSubject Of(string streamId)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        var type = streamId[..Math.Max(streamId.IndexOf('-', StringComparison.Ordinal), 0)];
        var id = ReadModelValues.EntityId(streamId);
        // A beneficiary's stream is its company's and its reference: the reference is what the API takes, and the data names the company.
        return type == Beneficiary.StreamType ? new(type, id[(id.IndexOf('/', StringComparison.Ordinal) + 1)..]) : new(type, id);
    }
}
