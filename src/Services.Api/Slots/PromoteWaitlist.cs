using Services.Api.Common;

namespace Services.Api.Slots;

/// <summary>
/// Seats are free while bookings that fit them wait: passed over when seats were freed, their company has come back
/// within its quota since (raised, or units given back on another slot), which no change of this slot saw.
/// </summary>
public sealed record PromoteWaitlist(string SlotId);

public static partial class Slot
{
    /// <param name="passedOver">Waitlisted bookings not to promote (their company still over its quota, or their subscription ended before the slot's day): they keep their place.</param>
    internal static Decision<Promotion> Decide(PromoteWaitlist command, SlotState? state, DateTimeOffset now, IReadOnlySet<string>? passedOver)
    {
        if (state is null) return NotFound(command.SlotId);
        if (state.Cancelled) return Cancelled(state);
        if (state.HasStarted(now)) return Started(state);
        return Decision<Promotion>.Accept(Waitlist.Promote(state, passedOver));
    }
}
