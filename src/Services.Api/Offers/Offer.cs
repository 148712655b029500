using System.ComponentModel.DataAnnotations;
using Services.Api.Infrastructure;
using Services.Api.Common;
using Services.Api.Organizations;

namespace Services.Api.Offers;

/// <summary>
/// A public partner serving one of the offer's territories, paying <see cref="ShareBasisPoints"/> out of 10000 of what the offer
/// charges each company on its usage statement: of the whole line, the monthly fee and the units alike.
/// </summary>
/// <param name="PartnerId">The public partner (`org_…`) that pays its share.</param>
/// <param name="ShareBasisPoints">Its share of each line, in basis points: 3000 = 30 %, 10000 = all of it.</param>
public sealed record CoFunding([property: Id(Ids.Organization)] string PartnerId, [property: Range(0, CoFunding.MaxShareBasisPoints)] int ShareBasisPoints)
{
    public const int MaxShareBasisPoints = 10_000;
}

/// <param name="OfferId">The new offer's id (`off_…`).</param>
/// <param name="ClubId">The club (`org_…`) that publishes and runs it.</param>
/// <param name="Category">The kind of service: concierge, mobility, childcare or spouse_welcome.</param>
/// <param name="Title">A short name, shown to employers choosing an offer.</param>
/// <param name="Description">What the service is, for whom and how it runs, in the club's words.</param>
/// <param name="Territories">The codes of the territories it serves.</param>
/// <param name="TimeZone">The IANA time zone of its calendar (Europe/Paris): months of quotas and statements, a subscription's days.</param>
/// <param name="MonthlyFee">What a subscribed company pays each month, in cents.</param>
/// <param name="UnitPrice">What each unit booked costs, attended or no-show, in cents.</param>
/// <param name="CoFunding">The public partner that pays a share of its statements' lines; null when none does.</param>
/// <param name="ProviderIds">The providers (`org_…`) that deliver it.</param>
/// <param name="PublishedAt">When it was published (UTC).</param>
public sealed record OfferPublished(
    string OfferId,
    string ClubId,
    Category Category,
    string Title,
    string Description,
    IReadOnlyList<string> Territories,
    string TimeZone,
    Money MonthlyFee,
    Money UnitPrice,
    CoFunding? CoFunding,
    IReadOnlyList<string> ProviderIds,
    DateTimeOffset PublishedAt);

/// <summary>Carries every revisable field, so a reader never needs the previous revision to know the current terms.</summary>
/// <param name="Title">The title from now on.</param>
/// <param name="Description">The description from now on.</param>
/// <param name="Territories">The codes of the territories it serves from now on.</param>
/// <param name="MonthlyFee">The monthly fee from now on, in cents: statements charge the fee in force at the first subscribed day of each month.</param>
/// <param name="UnitPrice">The unit price from now on, in cents: each booking is charged the price in force when it was requested.</param>
/// <param name="CoFunding">The co-funding from now on; null when no partner co-funds it any more.</param>
/// <param name="ProviderIds">The providers (`org_…`) that deliver it from now on; slots already started stay with those named then.</param>
public sealed record OfferRevised(
    string Title,
    string Description,
    IReadOnlyList<string> Territories,
    Money MonthlyFee,
    Money UnitPrice,
    CoFunding? CoFunding,
    IReadOnlyList<string> ProviderIds);

/// <param name="SuspendedAt">When it was suspended: a month it stays suspended (or withdrawn) throughout a company's subscribed days charges that company no subscription fee. Null in suspensions recorded before it was kept (November 2026).</param>
/// <param name="Reason">The club's words for why, shown to companies; null when none was given.</param>
public sealed record OfferSuspended(string? Reason, DateTimeOffset? SuspendedAt = null);

/// <param name="ResumedAt">When it was resumed. Null in resumptions recorded before it was kept (November 2026).</param>
public sealed record OfferResumed(DateTimeOffset? ResumedAt = null);

/// <param name="WithdrawnAt">When the offer was withdrawn: its subscriptions end with that month, in its time zone. Null in withdrawals recorded before it was kept (November 2026).</param>
public sealed record OfferWithdrawn(DateTimeOffset? WithdrawnAt = null);

public enum OfferStatus
{
    Active,
    Suspended,
    Withdrawn,
}

public sealed record OfferState(
    string Id,
    string ClubId,
    Category Category,
    string Title,
    string Description,
    IReadOnlyList<string> Territories,
    string TimeZone,
    Money MonthlyFee,
    Money UnitPrice,
    CoFunding? CoFunding,
    IReadOnlyList<string> ProviderIds,
    OfferStatus Status)
{
    public DateTimeOffset? WithdrawnAt { get; init; }

    /// <summary>Quota months and subscription dates follow the offer's local calendar, not UTC.</summary>
    public DateOnly LocalDate(DateTimeOffset instant) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeBySystemTimeZoneId(instant, TimeZone).DateTime);
}

public static partial class Offer
{
    public const string StreamType = "offer";

    public static string StreamId(string offerId) => $"offer-{offerId}";

    public static OfferState? Evolve(OfferState? state, object @event) => (state, @event) switch
    {
        (null, OfferPublished e) => new OfferState(
            e.OfferId, e.ClubId, e.Category, e.Title, e.Description, e.Territories, e.TimeZone,
            e.MonthlyFee, e.UnitPrice, e.CoFunding, e.ProviderIds, OfferStatus.Active),
        ({ } s, OfferRevised e) => s with
        {
            Title = e.Title,
            Description = e.Description,
            Territories = e.Territories,
            MonthlyFee = e.MonthlyFee,
            UnitPrice = e.UnitPrice,
            CoFunding = e.CoFunding,
            ProviderIds = e.ProviderIds,
        },
        ({ } s, OfferSuspended) => s with { Status = OfferStatus.Suspended },
        ({ } s, OfferResumed) => s with { Status = OfferStatus.Active },
        ({ } s, OfferWithdrawn e) => s with { Status = OfferStatus.Withdrawn, WithdrawnAt = e.WithdrawnAt },
        _ => state,
    };

    internal static Refusal NotFound(string offerId) =>
        Decision.Refuse("offer_not_found", $"Offer {offerId} does not exist.");

    internal static Refusal Withdrawn(OfferState offer) =>
        Decision.Refuse("offer_withdrawn", $"Offer {offer.Id} is withdrawn.");

    /// <summary>Why nothing new (subscription, booking) may start on this offer, if anything.</summary>
    internal static Refusal? Unavailable(OfferState offer) => offer.Status switch
    {
        OfferStatus.Withdrawn => Withdrawn(offer),
        OfferStatus.Suspended => Decision.Refuse("offer_suspended", $"Offer {offer.Id} is suspended."),
        _ => null,
    };

    /// <summary>
    /// A co-funding partner is a public partner serving one of the offer's territories: it pays for its own
    /// territories, and sees what it pays for in their indicators.
    /// </summary>
    private static Refusal? CoFundingRefusal(CoFunding? coFunding, OrganizationState? partner, IReadOnlyList<string> territories)
    {
        if (coFunding is null) return null;
        if (!Organization.IsA(OrganizationKind.Partner, coFunding.PartnerId, partner, out var refusal)) return refusal;
        return partner.Territories.Intersect(territories, StringComparer.Ordinal).Any()
            ? null
            : Decision.Refuse("partner_outside_territories",
                $"Partner {partner.Id} serves {string.Join(", ", partner.Territories)}, none of the offer's territories ({string.Join(", ", territories)}).");
    }

    /// <summary>
    /// Each listed provider must be a registered provider: the list grants access to the offer's
    /// bookings (beneficiaries' contact details included) and to recording attendance.
    /// </summary>
    private static Refusal? ProvidersRefusal(IEnumerable<string> providerIds, IReadOnlyDictionary<string, OrganizationState> providers)
    {
        foreach (var id in providerIds)
        {
            if (!Organization.IsA(OrganizationKind.Provider, id, providers.GetValueOrDefault(id), out var refusal)) return refusal;
        }
        return null;
    }
}
