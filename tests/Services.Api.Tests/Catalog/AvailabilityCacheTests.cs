using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Slots;
using Services.EventStore;

namespace Services.Api.Tests.Catalog;

public sealed class AvailabilityCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private readonly ManualTimestamps _time = new();
    private readonly AvailabilityCache _cache;

    public AvailabilityCacheTests()
    {
        _cache = new AvailabilityCache(_time);
        _cache.Running(At(10));
    }

    [Fact]
    public void A_kept_page_is_served_until_its_first_slot_starts()
    {
        Keep("off_a", FirstPage("off_a", "slt_a1", "slt_a2"));

        Served("off_a", Now).ShouldBeTrue();
        Served("off_a", Now.AddHours(1).AddTicks(-1)).ShouldBeTrue();
        Served("off_a", Now.AddHours(1)).ShouldBeFalse("the first slot starts at that instant: a page from now shows it with no room left");
        Served("off_a", Now.AddTicks(-1)).ShouldBeFalse("a page read from an earlier instant would show slots starting in between");
    }

    [Fact]
    public void A_read_that_waited_for_a_position_is_served_only_once_this_node_applied_it()
    {
        Keep("off_a", FirstPage("off_a", "slt_a1"));

        Served("off_a", Now, atLeast: At(10)).ShouldBeTrue();
        Served("off_a", Now, atLeast: At(12)).ShouldBeFalse("another node may have applied it: the rows are the answer");
        Apply(OnSlot("slt_other", new SlotCapacityChanged(12), position: 12));
        Served("off_a", Now, atLeast: At(12)).ShouldBeTrue("a page that did not touch the offer leaves its answer as it was");
    }

    [Fact]
    public void A_page_of_events_on_a_kept_slot_forgets_that_offer_only()
    {
        Keep("off_a", FirstPage("off_a", "slt_a1", "slt_a2"));
        Keep("off_b", FirstPage("off_b", "slt_b1"));

        Apply(OnSlot("slt_a2", new SeatReserved("bkg_1", "org_1", 2)));

        Served("off_a", Now).ShouldBeFalse();
        Served("off_b", Now).ShouldBeTrue();
    }

    [Fact]
    public void A_new_slot_forgets_its_offer()
    {
        Keep("off_a", FirstPage("off_a", "slt_a1"));

        Apply(OnSlot("slt_new", new SlotScheduled("slt_new", "off_a", Now.AddMinutes(30), Now.AddMinutes(90), 10)));

        Served("off_a", Now).ShouldBeFalse();
    }

    [Fact]
    public void A_slot_moved_forgets_its_offer_even_from_beyond_the_page_kept()
    {
        Keep("off_a", FirstPage("off_a", "slt_a1"));

        // Beyond the first page until it moved earlier in its day.
        Apply(OnSlot("slt_later", new SlotRescheduled("off_a", Now.AddHours(9), Now.AddHours(10), Now.AddMinutes(30), Now.AddMinutes(90))));

        Served("off_a", Now).ShouldBeFalse();
    }

    [Fact]
    public void Rows_read_before_a_page_was_applied_are_not_kept()
    {
        var ticket = _cache.Ticket();
        Apply(OnSlot("slt_a1", new SlotCapacityChanged(12)));

        _cache.Keep(ticket, "off_a", Now, FirstPage("off_a", "slt_a1"), JsonOf("off_a"));

        Served("off_a", Now).ShouldBeFalse();
    }

    [Fact]
    public void Nothing_read_while_a_page_is_being_applied_is_kept()
    {
        _cache.PageApplying([OnSlot("slt_other", new SlotCapacityChanged(12))]);

        _cache.Ticket().ShouldBe(AvailabilityCache.NoTicket);
        _cache.PageApplied(At(11));
        _cache.Ticket().ShouldNotBe(AvailabilityCache.NoTicket);
    }

    [Fact]
    public void Nothing_is_kept_while_the_shard_does_not_run_on_this_node()
    {
        Keep("off_a", FirstPage("off_a", "slt_a1"));

        _cache.NotRunning();

        Served("off_a", Now).ShouldBeFalse();
        _cache.Ticket().ShouldBe(AvailabilityCache.NoTicket);
        var notRunning = new AvailabilityCache(_time);
        notRunning.Keep(notRunning.Ticket(), "off_a", Now, FirstPage("off_a", "slt_a1"), JsonOf("off_a"));
        notRunning.TryGet("off_a", Now, null, out _).ShouldBeFalse();
    }

    [Fact]
    public void A_kept_page_is_served_for_its_maximum_age_at_most()
    {
        Keep("off_a", FirstPage("off_a", "slt_a1"));

        _time.Advance(AvailabilityCache.MaxAge - TimeSpan.FromMilliseconds(1));
        Served("off_a", Now).ShouldBeTrue();
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Served("off_a", Now).ShouldBeFalse();
    }

    [Fact]
    public void Past_its_size_the_cache_starts_again_empty()
    {
        Keep("off_big", FirstPage("off_big", [.. Enumerable.Range(0, AvailabilityCache.MaxSlots).Select(i => $"slt_{i}")]));
        Served("off_big", Now).ShouldBeTrue();

        Keep("off_a", FirstPage("off_a", "slt_a1"));

        Served("off_big", Now).ShouldBeFalse();
        Served("off_a", Now).ShouldBeTrue();
    }

    [Fact]
    public void Past_its_size_pages_too_old_to_be_served_go_first()
    {
        Keep("off_old", FirstPage("off_old", [.. Enumerable.Range(0, AvailabilityCache.MaxSlots - 10).Select(i => $"slt_{i}")]));
        _time.Advance(AvailabilityCache.MaxAge);
        Keep("off_fresh", FirstPage("off_fresh", "slt_f1", "slt_f2", "slt_f3", "slt_f4", "slt_f5"));

        Keep("off_new", FirstPage("off_new", [.. Enumerable.Range(0, 10).Select(i => $"slt_n{i}")]));

        Served("off_fresh", Now).ShouldBeTrue();
        Served("off_new", Now).ShouldBeTrue();
    }

    /// <summary>
    /// The cache forgets an offer on any event of a slot it shows, and on a new or moved slot (the events
    /// that put a slot into an offer's first page). A new kind of slot event that moved a slot in
    /// time or to another offer would need a rule of its own: this list makes adding one a decision.
    /// </summary>
    [Fact]
    public void The_slot_events_the_cache_was_designed_for_are_these_so_that_a_new_one_is_a_decision()
    {
        var registry = new EventTypeRegistry(new System.Text.Json.JsonSerializerOptions()).RegisterDomainEvents();

        registry.Names.Where(name => name.StartsWith("slot.", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ShouldBe([
            "slot.cancelled", "slot.capacity_changed", "slot.rescheduled", "slot.scheduled", "slot.seat_released", "slot.seat_reserved",
            "slot.waitlist_expired", "slot.waitlist_joined", "slot.waitlist_left", "slot.waitlist_promoted",
        ]);
    }

    private void Keep(string offerId, IReadOnlyList<SlotResponse> slots) => _cache.Keep(_cache.Ticket(), offerId, Now, slots, JsonOf(offerId));

    private bool Served(string offerId, DateTimeOffset now, FeedPosition? atLeast = null) =>
        _cache.TryGet(offerId, now, atLeast, out var json) && json.SequenceEqual(JsonOf(offerId));

    private static FeedPosition At(long position) => new((ulong)position, position);

    private static byte[] JsonOf(string offerId) => System.Text.Encoding.UTF8.GetBytes($"{{\"offer\":\"{offerId}\"}}");

    private void Apply(params RecordedEvent[] page)
    {
        _cache.PageApplying(page);
        _cache.PageApplied(page[^1].Position);
    }

    /// <summary>Slots one hour apart, the first an hour from <see cref="Now"/>.</summary>
    private static SlotResponse[] FirstPage(string offerId, params string[] slotIds) =>
        [.. slotIds.Select((id, i) => new SlotResponse(id, offerId, Now.AddHours(1 + i), Now.AddHours(2 + i), 10, 0, 10, 0, SlotStatus.Scheduled, OfferStatus.Active, null))];

    private static RecordedEvent OnSlot(string slotId, object data, long position = 11) =>
        new(Guid.CreateVersion7(), Slot.StreamId(slotId), 1, data.GetType().Name, data, "{}", EventMetadata.None, Now, At(position));
}
