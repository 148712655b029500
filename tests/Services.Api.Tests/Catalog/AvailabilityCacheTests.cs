using Services.Api.Listings;
using Services.Api.ReadModels;
using Services.Api.Slots;
using Services.EventStore;

namespace Services.Api.Tests.Listings;

public sealed class AvailabilityCacheTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

    private readonly ManualTimestamps _time = new();
    private readonly AvailabilityCache _cache;

    public AvailabilityCacheTests()
    {
        _cache = new AvailabilityCache(_time);
        _cache.Running();
    }

    [Fact]
    public void A_kept_page_is_served_until_its_first_slot_starts()
    {
        Keep("off_a", FirstPage("off_a", "slt_a1", "slt_a2"));

        Served("off_a", Now).ShouldBeTrue();
        Served("off_a", Now.AddHours(1)).ShouldBeTrue("the first slot starts at that instant: still in a page from now");
        Served("off_a", Now.AddHours(1).AddTicks(1)).ShouldBeFalse("the first slot has started: the page from now no longer shows it");
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
    public void Rows_read_before_a_page_was_applied_are_not_kept()
    {
        var ticket = _cache.Ticket();
        Apply(OnSlot("slt_a1", new SlotCapacityChanged(12)));

        _cache.Keep(ticket, "off_a", FirstPage("off_a", "slt_a1"));

        Served("off_a", Now).ShouldBeFalse();
    }

    [Fact]
    public void Nothing_read_while_a_page_is_being_applied_is_kept()
    {
        _cache.PageApplying([OnSlot("slt_other", new SlotCapacityChanged(12))]);

        _cache.Ticket().ShouldBe(AvailabilityCache.NoTicket);
        _cache.PageApplied();
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
        notRunning.Keep(notRunning.Ticket(), "off_a", FirstPage("off_a", "slt_a1"));
        notRunning.TryGet("off_a", Now, out _).ShouldBeFalse();
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

    private void Keep(string offerId, Page<SlotResponse> page) => _cache.Keep(_cache.Ticket(), offerId, page);

    private bool Served(string offerId, DateTimeOffset now) => _cache.TryGet(offerId, now, out _);

    private void Apply(params RecordedEvent[] page)
    {
        _cache.PageApplying(page);
        _cache.PageApplied();
    }

    /// <summary>Slots one hour apart, the first an hour from <see cref="Now"/>.</summary>
    private static Page<SlotResponse> FirstPage(string offerId, params string[] slotIds) => new(
        [.. slotIds.Select((id, i) => new SlotResponse(id, offerId, Now.AddHours(1 + i), Now.AddHours(2 + i), 10, 0, 10, 0, SlotStatus.Scheduled))],
        null);

    private static RecordedEvent OnSlot(string slotId, object data) =>
        new(Guid.CreateVersion7(), Slot.StreamId(slotId), 1, data.GetType().Name, data, "{}", EventMetadata.None, Now, new FeedPosition(1, 1));
}
