using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.Security;
using Services.Api.Territories;
using Services.EventStore;

namespace Services.Api.Offers;

public sealed record PublishOffer(
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
    IReadOnlyList<string> ProviderIds);

public static partial class Offer
{
    /// <param name="partner">The co-funding partner's state; null when the offer has no co-funding.</param>
    /// <param name="providers">The listed providers that exist, by id.</param>
    public static Decision<IReadOnlyList<object>> Decide(
        PublishOffer command, OfferState? state, OrganizationState? club, OrganizationState? partner,
        IReadOnlyDictionary<string, OrganizationState> providers, DateTimeOffset now)
    {
        if (state is not null)
            return Decision.Refuse("offer_exists", $"Offer {command.OfferId} already exists.");
        if (!Organization.IsA(OrganizationKind.Club, command.ClubId, club, out var refusal)) return refusal;
        if (CoFundingRefusal(command.CoFunding, partner, command.Territories) is { } coFundingRefusal) return coFundingRefusal;
        if (ProvidersRefusal(command.ProviderIds, providers) is { } providersRefusal) return providersRefusal;

        return Decision.Accept(new OfferPublished(
            command.OfferId, command.ClubId, command.Category, command.Title, command.Description,
            command.Territories, command.TimeZone, command.MonthlyFee, command.UnitPrice,
            command.CoFunding, command.ProviderIds, now));
    }
}

/// <param name="ClubId">The publishing club: the operator must name it; a club may omit it or give its own id.</param>
/// <param name="Category">The kind of service: concierge, mobility, childcare or spouse_welcome (fixed once published).</param>
/// <param name="Title">A short name, shown to employers choosing an offer.</param>
/// <param name="Description">What the service is, for whom and how it runs.</param>
/// <param name="Territories">The codes of the territories it serves (`grand-figeac`).</param>
/// <param name="TimeZone">The IANA time zone of its calendar, fixed once published (months of quotas and statements, a subscription's days), as the zone database spells it (Europe/Paris; UTC): case matters, and aliases (CET, US/Eastern, Etc/GMT+5) are refused, so that every client finds the zone stored.</param>
/// <param name="MonthlyFee">What a subscribed company pays each month, in cents.</param>
/// <param name="UnitPrice">What each unit booked costs, attended or no-show, in cents.</param>
/// <param name="CoFunding">A public partner serving one of its territories that pays a share of each line; none when absent.</param>
/// <param name="ProviderIds">The providers (`org_…`) that deliver it: they see its bookings and record attendance.</param>
public sealed record PublishOfferRequest(
    Category Category,
    [property: StringLength(Offer.MaxTitle, MinimumLength = 1)] string Title,
    [property: StringLength(Offer.MaxDescription, MinimumLength = 1)] string Description,
    [property: Territory, Length(1, Validation.MaxTerritories)] IReadOnlyList<string> Territories,
    [property: StringLength(Offer.MaxTimeZone, MinimumLength = 1), RegularExpression(Offer.TimeZonePattern)] string TimeZone,
    Money MonthlyFee,
    Money UnitPrice,
    CoFunding? CoFunding = null,
    [property: Id(Ids.Organization), MaxLength(Offer.MaxProviders)] IReadOnlyList<string>? ProviderIds = null,
    [property: Id(Ids.Organization)] string? ClubId = null)
{
    public Validation Validate() => new Validation()
        .Id("clubId", ClubId, Ids.Organization, required: false)
        .Text("title", Title, Offer.MaxTitle)
        .Text("description", Description, Offer.MaxDescription)
        .Territories("territories", Territories)
        .TimeZone("timeZone", TimeZone)
        .Money("monthlyFee", MonthlyFee)
        .Money("unitPrice", UnitPrice)
        .CoFunding("coFunding", CoFunding)
        .Providers("providerIds", ProviderIds);
}

public static class PublishOfferEndpoint
{
    public static void MapPublishOffer(this IEndpointRouteBuilder offers) =>
        offers.MapPost("", Handle)
            .WithName("publishOffer")
            .AnswersWithVersion()
            .WithSummary("Publish an offer")
            .WithDescription("A club publishes its own offer (clubId may be omitted); the operator publishes for the club named by clubId. A co-funding partner must be a registered partner, and each of providerIds a registered provider. " +
                "Each territory must have a club or a partner (listTerritories: clubs > 0 or partners > 0), or no company would find the offer there: " +
                "else 409 territory_not_covered, naming the first such territory and, in coveredTerritories, the territories meant (all of them if few, else the nearest).")
            .AllowKinds(OrganizationKind.Club)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("not_a_club", "not_a_partner", "partner_outside_territories", "not_a_provider", TerritoryCoverage.NotCoveredCode);

    private static async Task<Results<Created<OfferResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        PublishOfferRequest request, Caller caller, EventStore.EventStore store, NpgsqlDataSource db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = request.Validate();
        if (caller.IsOperator && request.ClubId is null) validation.Add("clubId", "The operator names the club it publishes for.");
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (caller.ActsFor(request.ClubId) is not { } clubId)
            return Problems.Forbidden("A club publishes only its own offers; leave clubId out or give your own id.");
        var club = (await store.LoadAsync(Organization.Stream(clubId), cancellationToken)).State;
        if (club is null) return Problems.NotFound("club");
        // The operator too: an offer it publishes in a misspelt territory is as lost.
        if (await TerritoryCoverage.UncoveredAsync(request.Territories, TerritoryCoverage.UnfoundOffer, db, cancellationToken) is { } uncovered) return Problems.Refused(uncovered);

        var offerId = Ids.New(Ids.Offer);
        var stream = Offer.Stream(offerId);
        var command = new PublishOffer(
            offerId, clubId, request.Category, request.Title.Trim(), request.Description.Trim(), request.Territories,
            request.TimeZone, request.MonthlyFee, request.UnitPrice, request.CoFunding, request.ProviderIds ?? []);
        var (partner, named) = await OfferChanges.LoadNamedAsync(store, command.CoFunding, command.ProviderIds, caller, cancellationToken);
        var decision = Offer.Decide(command, null, club, partner, named, time.GetUtcNow());
        if (decision.Refusal is { } refusal) return Problems.Refused(refusal);
        var result = await store.AppendAsync(stream.Id, stream.Type, ExpectedVersion.NoStream, decision.Events!, Writes.Metadata(http, caller), cancellationToken);
        Writes.Answered(http.Response, result, stream.Id);
        return TypedResults.Created($"/v1/offers/{offerId}", OfferResponse.From(stream.Fold(null, decision.Events!)!));
    }
}
