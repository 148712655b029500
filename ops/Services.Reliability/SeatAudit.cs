using Services.Client;
using Services.Client.Models;

namespace Services.Reliability;

/// <summary>
/// Slots and subscriptions whose seats or units do not add up. Each audit checks the whole
/// marketplace, so a slot broken in one part is found again by every later audit.
/// </summary>
/// <param name="Overbooked">Slots whose reserved units, or their confirmed bookings' units, exceed the capacity.</param>
/// <param name="SeatMismatches">Slots whose reserved units are not what their confirmed bookings hold (or remaining is not capacity - reserved).</param>
/// <param name="WaitlistMismatches">Slots whose waitlisted bookings' positions are not exactly 1..waitlistLength.</param>
/// <param name="IdleSeats">Slots with a waiting booking that fits the seats left: first fit would have seated it.</param>
/// <param name="UsageMismatches">Subscription months whose unitsUsed is not what the live bookings of the month take.</param>
internal sealed record SeatFindings(int Slots, int Subscriptions, int Overbooked, int SeatMismatches, int WaitlistMismatches, int IdleSeats, int UsageMismatches)
{
    public bool Intact => Overbooked == 0 && SeatMismatches == 0 && WaitlistMismatches == 0 && IdleSeats == 0 && UsageMismatches == 0;
}

/// <summary>One slot as GET /v1/slots/{id} shows it, against the bookings GET /v1/bookings?slotId= lists for it.</summary>
internal sealed record SlotSeats(SlotResponse Slot, int ConfirmedUnits, IReadOnlyList<int?> ListedPositions, IReadOnlyList<int?> OwnPositions, int SmallestWaiting)
{
    public bool Overbooked => Slot.Reserved > Slot.Capacity || ConfirmedUnits > Slot.Capacity;

    public bool SeatMismatch => Slot.Reserved != ConfirmedUnits || Slot.Remaining != Slot.Capacity - Slot.Reserved;

    public bool WaitlistMismatch => !IsOneTo(ListedPositions, Slot.WaitlistLength) || !IsOneTo(OwnPositions, Slot.WaitlistLength);

    public bool IdleSeats => SmallestWaiting <= Slot.Remaining;

    public bool Broken => Overbooked || SeatMismatch || WaitlistMismatch || IdleSeats;

    public override string ToString() =>
        $"slot {Slot.Id}: capacity {Slot.Capacity}, reserved {Slot.Reserved}, remaining {Slot.Remaining}, confirmed bookings hold {ConfirmedUnits}, " +
        $"waitlist length {Slot.WaitlistLength}, positions listed [{string.Join(' ', ListedPositions)}], by id [{string.Join(' ', OwnPositions)}]";

    private static bool IsOneTo(IEnumerable<int?> positions, int length) =>
        positions.Select(p => p ?? 0).Order().SequenceEqual(Enumerable.Range(1, length));
}

/// <summary>
/// The seat invariants after a part's load, read through the API as the operator: no slot holds more
/// than its capacity, its reserved units are its confirmed bookings', its waitlist is numbered 1..n
/// (in the booking list's read model and in the slot's own stream, as GET /v1/bookings/{id} shows it),
/// and nobody waits who fits the seats left (Waitlist.Promote and BookSeat seat the first that fits).
/// Each subscription's usage is checked by <see cref="QuotaAudit"/>.
/// </summary>
internal sealed class SeatAudit(Marketplace market, Shards shards)
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(120);

    public async Task<SeatFindings> CheckAsync(Uri node)
    {
        var findings = await CheckOnceAsync(node);
        if (findings.Intact) return findings;
        // A booking whose request outlived its client's timeout may commit after the read models caught
        // up: slot and list then disagree for a moment. Events are never undone, so a broken invariant stays.
        Progress.Log("seats: checking again once the read models caught up");
        await shards.WaitCaughtUpAsync(node, CatchUp);
        return await CheckOnceAsync(node);
    }

    private async Task<SeatFindings> CheckOnceAsync(Uri node)
    {
        using var http = new HttpClient { BaseAddress = node };
        var operatorClient = new ServicesClient(http, new ServicesClientOptions { ApiKey = market.OperatorKey });
        var slots = new List<SlotSeats>();
        await Parallel.ForEachAsync(market.SlotIds, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (slotId, ct) =>
        {
            var seats = await ReadAsync(operatorClient, slotId, ct);
            lock (slots) slots.Add(seats);
        });
        foreach (var slot in slots.Where(s => s.Broken).Take(5)) Progress.Log("seats: " + slot);
        var usage = await new QuotaAudit(market).CheckAsync(http);
        var findings = new SeatFindings(slots.Count, usage.Subscriptions, slots.Count(s => s.Overbooked), slots.Count(s => s.SeatMismatch),
            slots.Count(s => s.WaitlistMismatch), slots.Count(s => s.IdleSeats), usage.Mismatches);
        Progress.Log($"seats: {findings.Slots} slots checked ({slots.Sum(s => s.ConfirmedUnits)} units confirmed, {slots.Sum(s => s.Slot.WaitlistLength)} bookings waiting), " +
            $"{findings.Subscriptions} subscriptions ({usage.Months} months) checked: {findings.Overbooked} overbooked, {findings.SeatMismatches} seat mismatches, " +
            $"{findings.WaitlistMismatches} waitlist mismatches, {findings.IdleSeats} with idle seats, {findings.UsageMismatches} usage mismatches");
        return findings;
    }

    private static async Task<SlotSeats> ReadAsync(ServicesClient operatorClient, string slotId, CancellationToken cancellationToken)
    {
        var slot = (await operatorClient.GetSlotAsync(slotId, cancellationToken: cancellationToken)).Value;
        var bookings = new List<BookingResponse>();
        await foreach (var booking in operatorClient.ListBookingsAutoPagingAsync(new ListBookingsParameters { SlotId = slotId, Limit = 100 }, cancellationToken: cancellationToken))
            bookings.Add(booking);
        var waiting = bookings.Where(b => b.Status == BookingStatus.Waitlisted).ToList();
        var ownPositions = new List<int?>();
        foreach (var booking in waiting)
            ownPositions.Add((await operatorClient.GetBookingAsync(booking.Id, cancellationToken: cancellationToken)).Value.WaitlistPosition);
        return new SlotSeats(
            slot,
            bookings.Where(b => b.Status == BookingStatus.Confirmed).Sum(b => b.Quantity),
            [.. waiting.Select(b => b.WaitlistPosition)],
            ownPositions,
            waiting.Select(b => b.Quantity).DefaultIfEmpty(int.MaxValue).Min());
    }
}
