using Services.Api.Common;

namespace Services.Api.Slots;

/// <summary>
/// Seats are free while bookings that fit them wait: passed over when seats were freed, their company has come back
/// within its quota since (raised, or units given back on another slot), which no change of this slot saw.
/// </summary>
public sealed record PromoteWaitlist(string SlotId);

public static partial class Slot
{
    /// <param name="overQuota">Waitlisted bookings whose company still does not fit its quota: they keep their place.</param>
    internal static Decision<Promotion> Decide(PromoteWaitlist command, SlotState? state, DateTimeOffset now, IReadOnlySet<string>? overQuota)
    {
        if (state is null) return NotFound(command.SlotId);
        if (state.Cancelled) return Cancelled(state);
        if (state.HasStarted(now)) return Started(state);
        return Decision<Promotion>.Accept(Waitlist.Promote(state, overQuota));
    }
}
