using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.Security;
using Services.Api.Territories;

namespace Services.Api.Offers;

/// <summary>The offer's terms after the revision: the edge fills the fields a PATCH leaves out from the current state.</summary>
public sealed record ReviseOffer(
    string OfferId,
    string Title,
    string Description,
    IReadOnlyList<string> Territories,
    Money MonthlyFee,
    Money UnitPrice,
    CoFunding? CoFunding,
    IReadOnlyList<string> ProviderIds);

public static partial class Offer
{
    /// <param name="partner">The co-funding partner's state; null when the revised offer has no co-funding.</param>
    /// <param name="providers">The providers the revision adds that exist, by id.</param>
    public static Decision<IReadOnlyList<object>> Decide(
        ReviseOffer command, OfferState? state, OrganizationState? partner, IReadOnlyDictionary<string, OrganizationState> providers, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.OfferId);
        if (state.Status == OfferStatus.Withdrawn) return Withdrawn(state);
        // A revision is a new version: an empty one would break the ETags of those who read the offer and notify every subscriber of nothing.
        if (Keeps(state, command)) return Decision.Accept();
        // Co-funding agreed before partners had to serve the offer's territories stands while neither changes.
        var coFundingChanges = command.CoFunding != state.CoFunding || !state.Territories.SequenceEqual(command.Territories, StringComparer.Ordinal);
        if (coFundingChanges && CoFundingRefusal(command.CoFunding, partner, command.Territories) is { } coFundingRefusal) return coFundingRefusal;
        // Those already listed stay as they are (an offer published before providers were checked
        // may list another kind, which gets no access for it): a revision of its title still goes through.
        if (ProvidersRefusal(command.ProviderIds.Except(state.ProviderIds, StringComparer.Ordinal), providers) is { } providersRefusal) return providersRefusal;

        return Decision.Accept(new OfferRevised(
            command.Title, command.Description, command.Territories, command.MonthlyFee,
            command.UnitPrice, command.CoFunding, command.ProviderIds));
    }

    private static bool Keeps(OfferState state, ReviseOffer revision) =>
        state.Title == revision.Title
        && state.Description == revision.Description
        && state.Territories.SequenceEqual(revision.Territories, StringComparer.Ordinal)
        && state.MonthlyFee == revision.MonthlyFee
        && state.UnitPrice == revision.UnitPrice
        && state.CoFunding == revision.CoFunding
        && state.ProviderIds.SequenceEqual(revision.ProviderIds, StringComparer.Ordinal);
}

/// <summary>
/// Only the fields given change (null reads as left out); <c>removeCoFunding: true</c> ends the co-funding. The fields a client
/// may believe it clears with null are refused as null, as null would not clear them. Category and time zone are fixed at publication.
/// </summary>
/// <param name="Title">The new title; absent: unchanged.</param>
/// <param name="Description">The new description; absent: unchanged.</param>
/// <param name="Territories">The codes of the territories it serves from now on; absent: unchanged.</param>
/// <param name="MonthlyFee">The new monthly fee, in cents: a month's statement charges the fee in force at the company's first subscribed day of that month; absent: unchanged.</param>
/// <param name="UnitPrice">The new unit price, in cents: each booking is charged the price in force when it was requested; absent: unchanged.</param>
/// <param name="CoFunding">The new co-funding; absent: unchanged, null refused (removeCoFunding ends it).</param>
/// <param name="RemoveCoFunding">true ends the co-funding (with no coFunding given); false or absent: unchanged.</param>
/// <param name="ProviderIds">The providers (`org_…`) that deliver it from now on; absent: unchanged, null refused ([] lists none).</param>
public sealed record ReviseOfferRequest(
    [property: StringLength(Offer.MaxTitle, MinimumLength = 1)] string? Title = null,
    [property: StringLength(Offer.MaxDescription, MinimumLength = 1)] string? Description = null,
    [property: Territory, Length(1, Validation.MaxTerritories)] IReadOnlyList<string>? Territories = null,
    Money? MonthlyFee = null,
    Money? UnitPrice = null,
    [property: LeaveOutToKeep("Send removeCoFunding: true to end the co-funding.")] CoFunding? CoFunding = null,
    bool RemoveCoFunding = false,
    [property: Id(Ids.Organization), MaxLength(Offer.MaxProviders), LeaveOutToKeep("Send [] to list no provider.")] IReadOnlyList<string>? ProviderIds = null)
{
    public Validation Validate()
    {
        var validation = new Validation();
        if (Title is not null) validation.Text("title", Title, Offer.MaxTitle);
        if (Description is not null) validation.Text("description", Description, Offer.MaxDescription);
        if (Territories is not null) validation.Territories("territories", Territories);
        if (MonthlyFee is not null) validation.Money("monthlyFee", MonthlyFee);
        if (UnitPrice is not null) validation.Money("unitPrice", UnitPrice);
        validation.CoFunding("coFunding", CoFunding).Providers("providerIds", ProviderIds);
        if (RemoveCoFunding && CoFunding is not null) validation.Add("removeCoFunding", "Give either a new coFunding or removeCoFunding, not both.");
        return validation;
    }

    public ReviseOffer ToCommand(OfferState current) => new(
        current.Id,
        Title?.Trim() ?? current.Title,
        Description?.Trim() ?? current.Description,
        Territories ?? current.Territories,
        MonthlyFee ?? current.MonthlyFee,
        UnitPrice ?? current.UnitPrice,
        RemoveCoFunding ? null : CoFunding ?? current.CoFunding,
        ProviderIds ?? current.ProviderIds);
}

public static class ReviseOfferEndpoint
{
    public static void MapReviseOffer(this IEndpointRouteBuilder offers) =>
        offers.MapPatch("/{offerId}", Handle)
            .WithName("reviseOffer")
            .WithSummary("Revise an offer's terms")
            .WithDescription(
                "The owning club or the operator. Fields left out (or null) keep their value, except coFunding and providerIds, whose null is " +
                "refused (400 naming it) as null would not clear them: send removeCoFunding: true to end the co-funding, providerIds: [] to list no provider. " +
                "A territory it adds must have a club or a partner, as on publication (409 territory_not_covered). " +
                "Send the ETag as If-Match to change only what you read.")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("offer_withdrawn", "not_a_partner", "partner_outside_territories", "not_a_provider", TerritoryCoverage.NotCoveredCode)
            .AcceptsIfMatch();

    private static async Task<Results<Ok<OfferResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string offerId, ReviseOfferRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, NpgsqlDataSource db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var validation = request.Validate();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        return await OfferChanges.ChangeAsync(runner, store, offerId, caller, ifMatch, async (offer, ct) =>
        {
            var command = request.ToCommand(offer);
            // Only the territories it adds: an offer published before the rule in a territory no one covers is still revised.
            var added = command.Territories.Except(offer.Territories, StringComparer.Ordinal).ToList();
            if (added.Count > 0 && offer.Status != OfferStatus.Withdrawn && await TerritoryCoverage.UncoveredAsync(added, TerritoryCoverage.UnfoundOffer, db, ct) is { } uncovered)
                return uncovered;
            var (partner, named) = await OfferChanges.LoadNamedAsync(store, command.CoFunding, command.ProviderIds.Except(offer.ProviderIds, StringComparer.Ordinal), caller, ct);
            return Offer.Decide(command, offer, partner, named, time.GetUtcNow());
        }, http, cancellationToken);
    }
}
