using Services.Api.Common;

namespace Services.Api.Needs;

public sealed record RecordNeed(
    string NeedId,
    string CompanyId,
    Category Category,
    string Territory,
    int Headcount,
    string Description,
    string? WishedSchedule);

public static partial class Need
{
    public static Decision<IReadOnlyList<object>> Decide(RecordNeed command, NeedState? state, DateTimeOffset now)
    {
        if (state is not null)
            return Decision.Refuse("need_exists", $"Need {command.NeedId} already exists.");
        if (command.Headcount < 1)
            return Decision.Refuse("invalid_headcount", $"A need is for at least 1 person; got {command.Headcount}.");

        return Decision.Accept(new NeedRecorded(
            command.NeedId, command.CompanyId, command.Category, command.Territory, command.Headcount,
            command.Description, command.WishedSchedule, now));
    }
}
