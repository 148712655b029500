using Services.Api.Common;

namespace Services.Api.Subscriptions;

/// <summary>Applies to bookings made from now on; units already counted stay counted.</summary>
public sealed record ChangeQuota(string SubscriptionId, int MonthlyQuota);

public static partial class Subscription
{
    public static Decision<IReadOnlyList<object>> Decide(ChangeQuota command, SubscriptionState? state, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.SubscriptionId);
        if (state.IsCancelled) return Cancelled(state);
        if (command.MonthlyQuota < 1)
            return Decision.Refuse("invalid_quota", $"A monthly quota is at least 1 unit; got {command.MonthlyQuota}.");
        if (command.MonthlyQuota == state.MonthlyQuota) return Decision.Accept();

        return Decision.Accept(new QuotaChanged(command.MonthlyQuota));
    }
}
