using System.Collections.Frozen;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.Security;

namespace Services.Api.Offers;

/// <summary>An offer as the API shows it. Offers are public: every authenticated organization may read them.</summary>
/// <param name="ClubId">The club that publishes and runs it.</param>
/// <param name="Territories">The territories it serves.</param>
/// <param name="TimeZone">The IANA time zone of its calendar: months of quotas and statements, a subscription's days.</param>
/// <param name="MonthlyFee">What a subscribed company pays each month it is subscribed on any day, in cents.</param>
/// <param name="UnitPrice">What each unit booked costs, attended or no-show, in cents.</param>
/// <param name="CoFunding">The public partner that pays a share of its usage statements' lines, if any.</param>
/// <param name="ProviderIds">The providers that deliver it: they see its bookings (with contact details) and record attendance.</param>
/// <param name="Status">active; suspended (no new subscriptions or bookings until it resumes); withdrawn (for good: no new subscriptions, bookings or slots).</param>
/// <param name="Id">The offer's id (`off_…`).</param>
/// <param name="Category">The kind of service: concierge, mobility, childcare or spouse_welcome.</param>
/// <param name="Title">A short name, shown to employers choosing an offer.</param>
/// <param name="Description">What the service is, for whom and how it runs, in the club's words.</param>
public sealed record OfferResponse(
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
    public static OfferResponse From(OfferState state) => new(
        state.Id, state.ClubId, state.Category, state.Title, state.Description, state.Territories, state.TimeZone,
        state.MonthlyFee, state.UnitPrice, state.CoFunding, state.ProviderIds, state.Status);
}

public static partial class Offer
{
    public static StreamRef<OfferState> Stream(string offerId) => new(StreamId(offerId), StreamType, Evolve);

    /// <summary>Only the owning club and the operator change an offer and its slots.</summary>
    public static bool IsManagedBy(OfferState offer, Caller caller) => caller.IsOperator || caller.OrganizationId == offer.ClubId;

    /// <summary>Upper bound of a price or fee, in cents.</summary>
    public const long MaxAmount = 10_000_000;

    public const int MaxTitle = 120;
    public const int MaxTimeZone = 64;

    /// <summary>
    /// The shape of an IANA name as the zone database writes it (Europe/Paris, America/Argentina/Buenos_Aires), for the contract;
    /// the names accepted are those of <see cref="OfferValidation.TimeZone"/>.
    /// </summary>
    public const string TimeZonePattern = @"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$";
    public const int MaxReason = 500;
    public const int MaxDescription = 4000;
    public const int MaxProviders = 20;
}

public static class OfferEndpoints
{
    public static IEndpointRouteBuilder MapOffers(this IEndpointRouteBuilder v1)
    {
        var offers = v1.MapGroup("/offers").WithTags("Offers");
        offers.MapPublishOffer();
        offers.MapListOffers();
        offers.MapGetOffer();
        offers.MapGetOfferAvailability();
        offers.MapReviseOffer();
        offers.MapSuspendOffer();
        offers.MapResumeOffer();
        offers.MapWithdrawOffer();
        return v1;
    }
}

/// <summary>Field rules shared by publication and revision.</summary>
internal static class OfferValidation
{
    public static Validation Money(this Validation validation, string field, Money? money)
    {
        if (money is null) return validation.Add(field, "This field is required.");
        validation.Range($"{field}.amount", money.Amount, 0, Offer.MaxAmount);
        return money.Currency == Common.Money.Euro ? validation : validation.Add($"{field}.currency", "Only EUR is accepted.");
    }

    public static Validation CoFunding(this Validation validation, string field, CoFunding? coFunding) =>
        coFunding is null
            ? validation
            : validation.Id($"{field}.partnerId", coFunding.PartnerId, Ids.Organization).Range($"{field}.shareBasisPoints", coFunding.ShareBasisPoints, 0, Offers.CoFunding.MaxShareBasisPoints);

    public static Validation Providers(this Validation validation, string field, IReadOnlyList<string>? providerIds)
    {
        if (providerIds is null) return validation;
        if (providerIds.Count > Offer.MaxProviders) return validation.Add(field, $"At most {Offer.MaxProviders} providers; got {providerIds.Count}.");
        for (var i = 0; i < providerIds.Count; i++) validation.Id($"{field}[{i}]", providerIds[i], Ids.Organization);
        return providerIds.Distinct(StringComparer.Ordinal).Count() == providerIds.Count ? validation : validation.Add(field, "A provider is listed once.");
    }

    /// <summary>
    /// The zone database's own names of places' zones (and UTC), by name whatever its case: the name is stored and echoed as given,
    /// and clients look it up case-sensitively (Python's ZoneInfo, Java's ZoneId), so that a misspelt case or an alias (CET,
    /// US/Eastern, Etc/GMT+5), which .NET alone may find, is not stored for them to fail on.
    /// </summary>
    private static readonly Lazy<FrozenDictionary<string, string>> CanonicalTimeZones = new(() =>
        TimeZoneInfo.GetSystemTimeZones().Select(zone => zone.Id).ToFrozenDictionary(id => id, id => id, StringComparer.OrdinalIgnoreCase));

    public static Validation TimeZone(this Validation validation, string field, string? timeZone)
    {
        validation.Text(field, timeZone, Offer.MaxTimeZone);
        if (timeZone is not { Length: > 0 and <= Offer.MaxTimeZone }) return validation;
        if (!CanonicalTimeZones.Value.TryGetValue(timeZone, out var canonical))
            return validation.Add(field, "Not an IANA time zone of a place: give the zone database's name, e.g. 'Europe/Paris' (aliases such as 'CET' are refused).");
        return canonical == timeZone ? validation : validation.Add(field, $"Time zone names are case-sensitive: did you mean '{canonical}'?");
    }
}

/// <summary>The load-check-decide-append path of the commands on one offer, answering 403 to a club that does not own it.</summary>
internal static class OfferChanges
{
    /// <summary>The co-funding partner and the providers an offer names, as the caller may see them (<see cref="OrganizationAccess.LoadVisibleAsync"/>).</summary>
    public static async Task<(OrganizationState? Partner, IReadOnlyDictionary<string, OrganizationState> Named)> LoadNamedAsync(
        EventStore.EventStore store, CoFunding? coFunding, IEnumerable<string> providerIds, Caller caller, CancellationToken cancellationToken)
    {
        var named = await OrganizationAccess.LoadVisibleAsync(store, coFunding is null ? providerIds : providerIds.Append(coFunding.PartnerId), caller, cancellationToken);
        return (coFunding is null ? null : named.GetValueOrDefault(coFunding.PartnerId), named);
    }

    public static async Task<Results<Ok<OfferResponse>, ValidationProblem, ProblemHttpResult>> ChangeAsync(
        CommandRunner runner,
        EventStore.EventStore store,
        string offerId,
        Caller caller,
        IfMatch ifMatch,
        Func<OfferState, CancellationToken, Task<Decision<IReadOnlyList<object>>>> decide,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var stream = Offer.Stream(offerId);
        var metadata = Writes.Metadata(http, caller);
        var forbidden = false;
        var change = await runner.RunAsync([stream.Id], async ct =>
        {
            var loaded = await store.LoadAsync(stream, ct);
            if (loaded.State is null) return Change<OfferState>.NotFound("offer");
            forbidden = !Offer.IsManagedBy(loaded.State, caller);
            if (forbidden) return Change<OfferState>.NotFound("offer");
            if (!ifMatch.Allows(loaded.Version)) return Change<OfferState>.Stale(loaded.Version);
            var decision = await decide(loaded.State, ct);
            if (decision.Refusal is { } refusal) return Change<OfferState>.Refused(refusal);
            if (decision.Events!.Count == 0) return Change<OfferState>.Done(loaded.State, loaded.Version, null);
            var result = await store.AppendAsync([loaded.Append(stream.Id, stream.Type, decision.Events)], metadata, null, ct);
            return Change<OfferState>.Done(stream.Fold(loaded.State, decision.Events)!, result.VersionOf(stream.Id), result.LastPosition);
        }, cancellationToken);
        if (forbidden) return Problems.Forbidden($"Only the club that published offer {offerId} or the operator may change it.");
        change = await change.PositionedAsync(store, stream.Id, cancellationToken);
        return change.ToHttp(http.Response, state => TypedResults.Ok(OfferResponse.From(state)));
    }
}
