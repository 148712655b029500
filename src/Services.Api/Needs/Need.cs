using System.Collections.Immutable;
using Services.Api.Common;

namespace Services.Api.Needs;

/// <param name="WishedSchedule">Free text in the company's words ("weekdays 7:30–8:00").</param>
/// <param name="NeedId">The new need's id (`ned_…`).</param>
/// <param name="Category">The kind of service needed.</param>
/// <param name="Territory">The territory's code where it is needed: its clubs and partners see the need.</param>
/// <param name="Headcount">How many of the company's staff need it.</param>
/// <param name="Description">The need, in the company's words.</param>
/// <param name="RecordedAt">When the company recorded it (UTC).</param>
public sealed record NeedRecorded(
    string NeedId,
    string CompanyId,
    Category Category,
    string Territory,
    int Headcount,
    string Description,
    string? WishedSchedule,
    DateTimeOffset RecordedAt);

/// <param name="ClubId">The club (`org_…`) of the need's territory that took note of it.</param>
public sealed record NeedAcknowledged(string ClubId);

/// <param name="OfferId">The offer (`off_…`) that answers the need.</param>
/// <param name="ClubId">The club (`org_…`) that runs that offer.</param>
public sealed record NeedAddressed(string OfferId, string ClubId);

/// <summary>Its company or the operator withdrew the need: clubs no longer see it as open.</summary>
public sealed record NeedWithdrawn;

public enum NeedStatus
{
    Open,
    Addressed,
    Withdrawn,
}

public sealed record NeedState(
    string Id,
    string CompanyId,
    Category Category,
    string Territory,
    int Headcount,
    NeedStatus Status,
    ImmutableHashSet<string> AcknowledgedBy,
    string Description,
    string? WishedSchedule,
    DateTimeOffset RecordedAt,
    string? AddressedByOfferId);

public static partial class Need
{
    public const string StreamType = "need";

    public static string StreamId(string needId) => $"need-{needId}";

    public static NeedState? Evolve(NeedState? state, object @event) => (state, @event) switch
    {
        (null, NeedRecorded e) => new NeedState(
            e.NeedId, e.CompanyId, e.Category, e.Territory, e.Headcount, NeedStatus.Open, [],
            e.Description, e.WishedSchedule, e.RecordedAt, null),
        ({ } s, NeedAcknowledged e) => s with { AcknowledgedBy = s.AcknowledgedBy.Add(e.ClubId) },
        ({ } s, NeedAddressed e) => s with { Status = NeedStatus.Addressed, AddressedByOfferId = e.OfferId },
        ({ } s, NeedWithdrawn) => s with { Status = NeedStatus.Withdrawn },
        _ => state,
    };

    internal static Refusal NotFound(string needId) =>
        Decision.Refuse("need_not_found", $"Need {needId} does not exist.");

    internal static Refusal? Closed(NeedState need) => need.Status switch
    {
        NeedStatus.Addressed => Decision.Refuse("need_closed", $"Need {need.Id} is already addressed."),
        NeedStatus.Withdrawn => Decision.Refuse("need_closed", $"Need {need.Id} is withdrawn."),
        _ => null,
    };
}
