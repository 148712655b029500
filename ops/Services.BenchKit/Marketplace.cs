using System.Globalization;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.EventStore;

namespace Services.BenchKit;

public sealed class OfferInfo(string id, string clubId, int partition)
{
    public string Id { get; } = id;
    public string ClubId { get; } = clubId;
    public int Partition { get; } = partition;
    public List<SubscriptionInfo> Subscriptions { get; } = [];
    public List<SlotInfo> Slots { get; } = [];
}

public sealed class SubscriptionInfo(string id, string companyId, OfferInfo offer, int monthlyQuota = 500)
{
    public string Id { get; } = id;
    public string CompanyId { get; } = companyId;
    public OfferInfo Offer { get; } = offer;
    public int MonthlyQuota { get; } = monthlyQuota;
    public long Version { get; set; }
}

public sealed class SlotInfo(string id, OfferInfo offer, DateTimeOffset start, int capacity)
{
    public string Id { get; } = id;
    public OfferInfo Offer { get; } = offer;
    public DateTimeOffset Start { get; } = start;
    public int Capacity { get; } = capacity;
    public int Bookings { get; set; } // planned for the history
    public int Reserved { get; set; }
    public int Waiting { get; set; }
    public long Version { get; set; }
}

/// <summary>
/// How big the generated marketplace is: a history of about <paramref name="Events"/> events written
/// by <paramref name="GenWriters"/> writers, and <paramref name="LoadLanes"/> offers kept for the load
/// that follows (their slots and subscriptions exist, their bookings are the benchmark's).
/// </summary>
/// <param name="LoadCapacity">Seats of every load slot; null: 8 to 30 like the history's.</param>
/// <param name="HotSlotCapacity">When given, one more offer with a single slot of these seats and <paramref name="HotSubscriptions"/> subscriptions.</param>
public sealed record WorldShape(
    long Events, int GenWriters, int LoadLanes,
    int LoadSlotsPerLane = 250, int LoadSubscriptionsPerLane = 4, int? LoadCapacity = null, int LoadMonthlyQuota = 500,
    int? HotSlotCapacity = null, int HotSubscriptions = 0);

/// <summary>
/// The generated marketplace: clubs publish offers, companies subscribe to them, offers have
/// slots, and bookings fill the slots (a booking past a slot's capacity joins its waitlist).
/// Offers are split into partitions, one per generating writer, so that writers never touch the
/// same stream. Each load lane (a writer of the load that follows the history) owns one offer with
/// its own slots and subscriptions, so that lanes never queue behind each other on a stream.
/// </summary>
public sealed class World
{
    public const int Clubs = 40, Providers = 30, Companies = 2000, OffersPerClub = 10, SubscriptionsPerOffer = 12, BookingsPerSlot = 16;

    public List<string> ClubIds { get; } = [];
    public List<string> ProviderIds { get; } = [];
    public List<string> CompanyIds { get; } = [];
    public List<OfferInfo> Offers { get; } = [];
    public List<SubscriptionInfo> Subscriptions { get; } = [];
    public List<SlotInfo> HistorySlots { get; } = [];
    public List<OfferInfo> LoadOffers { get; } = [];
    public OfferInfo? HotOffer { get; private set; }
    public long PlannedBookings { get; private set; }
    public int Organizations => ClubIds.Count + ProviderIds.Count + CompanyIds.Count;
    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public static World Create(WorldShape shape)
    {
        var world = new World();
        var random = new Random(42);
        for (var i = 0; i < Clubs; i++) world.ClubIds.Add(Ids.New(Ids.Organization));
        for (var i = 0; i < Providers; i++) world.ProviderIds.Add(Ids.New(Ids.Organization));
        for (var i = 0; i < Companies; i++) world.CompanyIds.Add(Ids.New(Ids.Organization));
        var offers = Clubs * OffersPerClub;
        for (var i = 0; i < offers; i++)
        {
            var offer = new OfferInfo(Ids.New(Ids.Offer), world.ClubIds[i % Clubs], i % shape.GenWriters);
            world.Offers.Add(offer);
            foreach (var company in Pick(world.CompanyIds, SubscriptionsPerOffer, random))
            {
                var subscription = new SubscriptionInfo(Ids.New(Ids.Subscription), company, offer);
                offer.Subscriptions.Add(subscription);
                world.Subscriptions.Add(subscription);
            }
        }
        // The load's offers, slots and subscriptions, one offer per load lane, and the hot slot's offer.
        OfferInfo LoadOffer(int lane, int subscriptions, int slots, int? capacity)
        {
            var offer = new OfferInfo(Ids.New(Ids.Offer), world.ClubIds[lane % Clubs], lane % shape.GenWriters);
            world.Offers.Add(offer);
            foreach (var company in Pick(world.CompanyIds, subscriptions, random))
            {
                var subscription = new SubscriptionInfo(Ids.New(Ids.Subscription), company, offer, shape.LoadMonthlyQuota);
                offer.Subscriptions.Add(subscription);
                world.Subscriptions.Add(subscription);
            }
            for (var s = 0; s < slots; s++) offer.Slots.Add(NewSlot(world, offer, random, capacity));
            return offer;
        }
        for (var w = 0; w < shape.LoadLanes; w++) world.LoadOffers.Add(LoadOffer(w, shape.LoadSubscriptionsPerLane, shape.LoadSlotsPerLane, shape.LoadCapacity));
        if (shape.HotSlotCapacity is { } hot) world.HotOffer = LoadOffer(shape.LoadLanes, shape.HotSubscriptions, 1, hot);

        // Events before bookings: organizations, offers, slots, 2 per subscription (the subscription
        // and the company's SubscriptionOpened). Each booking is 4 events; one slot per BookingsPerSlot bookings.
        long setup = world.Organizations + world.Offers.Count + world.Offers.Sum(o => o.Slots.Count) + 2L * world.Subscriptions.Count;
        var bookings = (long)Math.Ceiling((shape.Events - setup) / (4 + 1.0 / BookingsPerSlot));
        var slots = (int)Math.Ceiling((double)bookings / BookingsPerSlot);
        var historyOffers = world.Offers.Take(offers).ToList();
        for (var i = 0; i < slots; i++)
        {
            var offer = historyOffers[i % historyOffers.Count];
            var slot = NewSlot(world, offer, random);
            offer.Slots.Add(slot);
            world.HistorySlots.Add(slot);
        }
        for (long b = 0; b < bookings; b++) world.HistorySlots[(int)(b % slots)].Bookings++;
        world.PlannedBookings = bookings;
        return world;
    }

    private static SlotInfo NewSlot(World world, OfferInfo offer, Random random, int? capacity = null)
    {
        // Slots over the next 90 days, 8 to 30 seats unless given (so some slots get waitlists).
        var start = world.Now.Date.AddDays(1 + random.Next(90)).AddHours(7 + random.Next(12));
        var seats = 8 + random.Next(23);
        return new SlotInfo(Ids.New(Ids.Slot), offer, new DateTimeOffset(start, TimeSpan.Zero), capacity ?? seats);
    }

    private static IEnumerable<string> Pick(List<string> from, int count, Random random)
    {
        var picked = new HashSet<int>();
        while (picked.Count < count) picked.Add(random.Next(from.Count));
        return picked.Select(i => from[i]);
    }

    public static string Month(DateTimeOffset start) => start.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    /// <summary>The events of one booking as BookSeat decides them; updates the slot's counts.</summary>
    public static (object[] Booking, object Slot, object Subscription) Book(SlotInfo slot, SubscriptionInfo subscription, string bookingId, int quantity, DateTimeOffset now)
    {
        var beneficiaryRef = $"hr-{bookingId[^6..]}";
        var requested = new BookingRequested(bookingId, subscription.CompanyId, subscription.Id, slot.Offer.Id, slot.Id, slot.Start,
            quantity, beneficiaryRef, now);
        var counted = new UnitsCounted(bookingId, Month(slot.Start), quantity);
        if (slot.Waiting == 0 && slot.Capacity - slot.Reserved >= quantity)
        {
            slot.Reserved += quantity;
            return ([requested, new BookingConfirmed()], new SeatReserved(bookingId, subscription.CompanyId, quantity, beneficiaryRef), counted);
        }
        var position = ++slot.Waiting;
        return ([requested, new BookingWaitlisted(position)], new WaitlistJoined(bookingId, subscription.CompanyId, quantity, position, beneficiaryRef), counted);
    }

    public static EventMetadata Metadata(string actor) => new()
    {
        ActorOrganizationId = actor,
        CorrelationId = $"0HN{Random.Shared.Next():X8}:00000001",
        CausationId = $"0HN{Random.Shared.Next():X8}:00000001",
    };
}

/// <summary>Collects events for many streams into one append (one transaction).</summary>
public sealed class Batch
{
    private readonly Dictionary<string, (string Type, ExpectedVersion Expected, List<object> Events)> _streams = new(StringComparer.Ordinal);

    public int Events { get; private set; }

    public void Add(string streamId, string type, ExpectedVersion expected, object @event)
    {
        if (!_streams.TryGetValue(streamId, out var stream))
        {
            stream = (type, expected, []);
            _streams[streamId] = stream;
        }
        stream.Events.Add(@event);
        Events++;
    }

    public List<StreamAppend> Take()
    {
        var appends = _streams.Select(s => new StreamAppend(s.Key, s.Value.Type, s.Value.Expected, s.Value.Events)).ToList();
        _streams.Clear();
        Events = 0;
        return appends;
    }
}

