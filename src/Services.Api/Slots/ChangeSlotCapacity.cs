using Services.Api.Common;

namespace Services.Api.Slots;

public sealed record ChangeSlotCapacity(string SlotId, int Capacity);

/// <param name="Promoted">Events per booking id for the waitlisted bookings that got the new seats.</param>
public sealed record ChangeSlotCapacityOutcome(IReadOnlyList<object> Slot, IReadOnlyDictionary<string, IReadOnlyList<object>> Promoted);

public static partial class Slot
{
    public static Decision<ChangeSlotCapacityOutcome> Decide(ChangeSlotCapacity command, SlotState? state, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.SlotId);
        if (state.Cancelled) return Cancelled(state);
        if (state.HasStarted(now)) return Started(state);
        if (command.Capacity < 1)
            return Decision.Refuse("invalid_capacity", $"A slot has a capacity of at least 1; got {command.Capacity}.");
        if (command.Capacity < state.Reserved)
            return Decision.Refuse("capacity_below_reserved", $"Slot {state.Id} has {state.Reserved} units reserved; its capacity cannot drop to {command.Capacity}.");
        if (command.Capacity == state.Capacity)
            return Decision<ChangeSlotCapacityOutcome>.Accept(new ChangeSlotCapacityOutcome([], new Dictionary<string, IReadOnlyList<object>>()));

        var changed = new SlotCapacityChanged(command.Capacity);
        var promotion = Waitlist.Promote(Apply(state, changed));
        return Decision<ChangeSlotCapacityOutcome>.Accept(new ChangeSlotCapacityOutcome(
            Slot: [changed, .. promotion.Slot],
            Promoted: promotion.Bookings));
    }
}
