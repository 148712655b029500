using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.Security;

namespace Services.Api.Needs;

/// <summary>
/// A need as the API shows it. The recording company is named to itself, the clubs of the territory and
/// the operator; partners read the demand of their territories without learning which company asked.
/// </summary>
/// <param name="CompanyId">The company that recorded it; null for partners.</param>
/// <param name="Headcount">How many of its staff need it.</param>
/// <param name="WishedSchedule">When they would need it, in the company's words.</param>
/// <param name="Status">open; addressed (an offer answers it); withdrawn (by its company or the operator).</param>
/// <param name="AcknowledgedBy">The clubs of its territory that took note of it.</param>
/// <param name="AddressedByOfferId">The offer that answered the need, once addressed.</param>
/// <param name="RecordedAt">When the company recorded it: the order of the needs list.</param>
/// <param name="Id">The need's id (`ned_…`).</param>
/// <param name="Category">The kind of service needed.</param>
/// <param name="Territory">The territory's code where it is needed: its clubs and partners see the need.</param>
/// <param name="Description">The need, in the company's words.</param>
public sealed record NeedResponse(
    string Id,
    string? CompanyId,
    Category Category,
    string Territory,
    int Headcount,
    string Description,
    string? WishedSchedule,
    NeedStatus Status,
    IReadOnlyList<string> AcknowledgedBy,
    string? AddressedByOfferId,
    DateTimeOffset RecordedAt)
{
    public static NeedResponse From(NeedState state, Caller caller) => new(
        state.Id,
        caller.Kind == OrganizationKind.Partner ? null : state.CompanyId,
        state.Category, state.Territory, state.Headcount, state.Description, state.WishedSchedule, state.Status,
        [.. state.AcknowledgedBy.Order(StringComparer.Ordinal)], state.AddressedByOfferId, state.RecordedAt);
}

public static partial class Need
{
    public const int MaxHeadcount = 10_000;
    public const int MaxDescription = 4000;
    public const int MaxWishedSchedule = 500;

    public static StreamRef<NeedState> Stream(string needId) => new(StreamId(needId), StreamType, Evolve);

    /// <summary>
    /// The recording company, the operator, and the clubs and partners whose territories include the need's.
    /// <paramref name="callerState"/> is the caller's organization (null for the operator or when unknown).
    /// </summary>
    public static bool IsVisibleTo(NeedState need, Caller caller, OrganizationState? callerState) =>
        caller.IsOperator
        || caller.OrganizationId == need.CompanyId
        || callerState is { Kind: OrganizationKind.Club or OrganizationKind.Partner } organization
            && organization.Id == caller.OrganizationId
            && organization.Territories.Contains(need.Territory);

    /// <summary>Whether visibility depends on the caller's organization (its kind and territories).</summary>
    public static bool NeedsCallerState(Caller caller) =>
        caller.Kind is OrganizationKind.Club or OrganizationKind.Partner;

    /// <summary>Only the recording company and the operator withdraw a need.</summary>
    public static bool IsManagedBy(NeedState need, Caller caller) => caller.IsOperator || caller.OrganizationId == need.CompanyId;
}

public static class NeedEndpoints
{
    public static IEndpointRouteBuilder MapNeeds(this IEndpointRouteBuilder v1)
    {
        var needs = v1.MapGroup("/needs").WithTags("Needs");
        needs.MapRecordNeed();
        needs.MapListNeeds();
        needs.MapGetNeed();
        needs.MapAcknowledgeNeed();
        needs.MapAddressNeed();
        needs.MapWithdrawNeed();
        return v1;
    }
}
