using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Feed;
using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Slots;
using Services.Api.Subscriptions;

namespace Services.Api.Tests.Feed;

/// <summary>Each stream names the resource its events are about, as its endpoints take it (see the HTTP test in <see cref="ChangeFeedHttpTests"/>).</summary>
public sealed class EventSubjectTests
{
    public static TheoryData<string, string, string> Streams => new()
    {
        { Booking.StreamId("bkg_01jbz3k9x0b00k1ngb00k1ng"), "booking", "bkg_01jbz3k9x0b00k1ngb00k1ng" },
        { Slot.StreamId("slt_01jbz3k9x0m0rn1ngm0rn1ng"), "slot", "slt_01jbz3k9x0m0rn1ngm0rn1ng" },
        { Offer.StreamId("off_01jbz3k9x0sh0tt1esh0tt1e"), "offer", "off_01jbz3k9x0sh0tt1esh0tt1e" },
        { Subscription.StreamId("sub_01jbz3k9x0acmeacmeacme00"), "subscription", "sub_01jbz3k9x0acmeacmeacme00" },
        { Need.StreamId("ned_01jbz3k9x0n0edsn0edsn0ed"), "need", "ned_01jbz3k9x0n0edsn0edsn0ed" },
        { Organization.StreamId("org_01jbz3k9x0c0mpanyc0mpany"), "organization", "org_01jbz3k9x0c0mpanyc0mpany" },
        // The reference a company gives, dashes and colons included, without the company its stream also names.
        { Beneficiary.StreamId("org_01jbz3k9x0c0mpanyc0mpany", "hr-4711:night-shift"), "beneficiary", "hr-4711:night-shift" },
        { "demo-territory", "demo", "territory" },
    };

    [Theory]
    [MemberData(nameof(Streams))]
    public void An_event_is_about_the_resource_its_stream_holds(string streamId, string type, string id) =>
        EventSubject.Of(streamId).ShouldBe(new EventSubject(type, id));
}
