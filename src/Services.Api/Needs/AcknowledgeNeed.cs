using Services.Api.Common;
using Services.Api.Organizations;

namespace Services.Api.Needs;

public sealed record AcknowledgeNeed(string NeedId, string ClubId);

public static partial class Need
{
    public static Decision<IReadOnlyList<object>> Decide(AcknowledgeNeed command, NeedState? state, OrganizationState? club, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.NeedId);
        if (Closed(state) is { } closed) return closed;
        if (!Organization.IsA(OrganizationKind.Club, command.ClubId, club, out var refusal)) return refusal;
        if (!club.Territories.Contains(state.Territory))
            return Decision.Refuse("territory_not_served", $"Club {club.Id} does not serve territory {state.Territory} of need {state.Id}.");
        if (state.AcknowledgedBy.Contains(club.Id)) return Decision.Accept();

        return Decision.Accept(new NeedAcknowledged(club.Id));
    }
}
