using Services.Api.Common;
using Services.Api.Offers;

namespace Services.Api.Slots;

public sealed record ScheduleSlot(string SlotId, string OfferId, DateTimeOffset Start, DateTimeOffset End, int Capacity);

public static partial class Slot
{
    public static Decision<IReadOnlyList<object>> Decide(ScheduleSlot command, SlotState? state, OfferState? offer, DateTimeOffset now)
    {
        if (state is not null)
            return Decision.Refuse("slot_exists", $"Slot {command.SlotId} already exists.");
        if (offer is null) return Offer.NotFound(command.OfferId);
        if (offer.Status == OfferStatus.Withdrawn) return Offer.Withdrawn(offer);
        if (command.End <= command.Start)
            return Decision.Refuse("slot_ends_before_start", $"A slot ends after it starts; got start {command.Start:u} and end {command.End:u}.");
        if (command.Capacity < 1)
            return Decision.Refuse("invalid_capacity", $"A slot has a capacity of at least 1; got {command.Capacity}.");
        if (command.Start <= now)
            return Decision.Refuse("slot_in_past", $"A slot is scheduled in the future; {command.Start:u} is not after {now:u}.");

        return Decision.Accept(new SlotScheduled(
            command.SlotId, offer.Id, command.Start.ToUniversalTime(), command.End.ToUniversalTime(), command.Capacity));
    }
}
