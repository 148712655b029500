using Services.Api.Common;

namespace Services.Api.Needs;

public sealed record WithdrawNeed(string NeedId);

public static partial class Need
{
    public static Decision<IReadOnlyList<object>> Decide(WithdrawNeed command, NeedState? state, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.NeedId);
        if (Closed(state) is { } closed) return closed;

        return Decision.Accept(new NeedWithdrawn());
    }
}
