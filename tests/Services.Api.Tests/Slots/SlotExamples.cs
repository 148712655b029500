using Services.Api.Slots;
using static Services.Api.Tests.Offers.OfferExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Slots;

public static class SlotExamples
{
    public const string SlotId = "slt_monday";

    /// <summary>09:00 in Figeac, ten days after <see cref="Specification.Now"/>.</summary>
    public static readonly DateTimeOffset Start = new(2025, 3, 20, 8, 0, 0, TimeSpan.Zero);

    public static readonly DateTimeOffset End = Start.AddHours(2);

    public static SlotScheduled Scheduled(int capacity = 4, DateTimeOffset? start = null) =>
        new(SlotId, OfferId, start ?? Start, (start ?? Start).AddHours(2), capacity);

    public static SlotState SlotWith(params object[] then) => Given<SlotState>(Slot.Evolve, [Scheduled(), .. then])!;
}
