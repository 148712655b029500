using System.Diagnostics;
using System.Globalization;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.EventStore;

namespace Services.ProjectionBench;

using EventStore = Services.EventStore.EventStore;

internal sealed class OfferInfo(string id, string clubId, int partition)
{
    public string Id { get; } = id;
    public string ClubId { get; } = clubId;
    public int Partition { get; } = partition;
    public List<SubscriptionInfo> Subscriptions { get; } = [];
    public List<SlotInfo> Slots { get; } = [];
}

internal sealed class SubscriptionInfo(string id, string companyId, OfferInfo offer)
{
    public string Id { get; } = id;
    public string CompanyId { get; } = companyId;
    public OfferInfo Offer { get; } = offer;
    public long Version { get; set; }
}

internal sealed class SlotInfo(string id, OfferInfo offer, DateTimeOffset start, int capacity)
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
/// The generated marketplace: clubs publish offers, companies subscribe to them, offers have
/// slots, and bookings fill the slots (a booking past a slot's capacity joins its waitlist).
/// Offers are split into partitions, one per generating writer, so that writers never touch the
/// same stream. Each load writer owns one offer with its own slots and subscriptions, so it knows
/// their versions and appends with exact expected versions as the BookSeat command does.
/// </summary>
internal sealed class World
{
    public const int Clubs = 40, Providers = 30, Companies = 2000, OffersPerClub = 10, SubscriptionsPerOffer = 12, BookingsPerSlot = 16;
    public const int LoadSlotsPerWriter = 250, LoadSubscriptionsPerWriter = 4;

    public List<string> ClubIds { get; } = [];
    public List<string> ProviderIds { get; } = [];
    public List<string> CompanyIds { get; } = [];
    public List<OfferInfo> Offers { get; } = [];
    public List<SubscriptionInfo> Subscriptions { get; } = [];
    public List<SlotInfo> HistorySlots { get; } = [];
    public LoadWorker[] LoadWorkers { get; private set; } = [];
    public long PlannedBookings { get; private set; }
    public int Organizations => ClubIds.Count + ProviderIds.Count + CompanyIds.Count;
    public DateTimeOffset Now { get; } = DateTimeOffset.UtcNow;

    public static World Create(Options options)
    {
        var world = new World();
        var random = new Random(42);
        for (var i = 0; i < Clubs; i++) world.ClubIds.Add(Ids.New(Ids.Organization));
        for (var i = 0; i < Providers; i++) world.ProviderIds.Add(Ids.New(Ids.Organization));
        for (var i = 0; i < Companies; i++) world.CompanyIds.Add(Ids.New(Ids.Organization));
        var offers = Clubs * OffersPerClub;
        for (var i = 0; i < offers; i++)
        {
            var offer = new OfferInfo(Ids.New(Ids.Offer), world.ClubIds[i % Clubs], i % options.GenWriters);
            world.Offers.Add(offer);
            foreach (var company in Pick(world.CompanyIds, SubscriptionsPerOffer, random))
            {
                var subscription = new SubscriptionInfo(Ids.New(Ids.Subscription), company, offer);
                offer.Subscriptions.Add(subscription);
                world.Subscriptions.Add(subscription);
            }
        }
        // The load's offers, slots and subscriptions, one offer per load writer.
        var workers = new LoadWorker[options.LoadWriters];
        for (var w = 0; w < workers.Length; w++)
        {
            var offer = new OfferInfo(Ids.New(Ids.Offer), world.ClubIds[w % Clubs], w % options.GenWriters);
            world.Offers.Add(offer);
            foreach (var company in Pick(world.CompanyIds, LoadSubscriptionsPerWriter, random))
            {
                var subscription = new SubscriptionInfo(Ids.New(Ids.Subscription), company, offer);
                offer.Subscriptions.Add(subscription);
                world.Subscriptions.Add(subscription);
            }
            for (var s = 0; s < LoadSlotsPerWriter; s++) offer.Slots.Add(NewSlot(world, offer, random));
            workers[w] = new LoadWorker(offer, w);
        }
        world.LoadWorkers = workers;

        // Events before bookings: organizations, offers, slots, 2 per subscription (the subscription
        // and the company's SubscriptionOpened). Each booking is 4 events; one slot per BookingsPerSlot bookings.
        long setup = world.Organizations + world.Offers.Count + workers.Length * LoadSlotsPerWriter + 2L * world.Subscriptions.Count;
        var bookings = (long)Math.Ceiling((options.Events - setup) / (4 + 1.0 / BookingsPerSlot));
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

    private static SlotInfo NewSlot(World world, OfferInfo offer, Random random)
    {
        // Slots over the next 90 days, 1 to 3 hours, 8 to 30 seats (so some slots get waitlists).
        var start = world.Now.Date.AddDays(1 + random.Next(90)).AddHours(7 + random.Next(12));
        return new SlotInfo(Ids.New(Ids.Slot), offer, new DateTimeOffset(start, TimeSpan.Zero), 8 + random.Next(23));
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
        var requested = new BookingRequested(bookingId, subscription.CompanyId, subscription.Id, slot.Offer.Id, slot.Id, slot.Start,
            quantity, $"hr-{bookingId[^6..]}", now);
        var counted = new UnitsCounted(bookingId, Month(slot.Start), quantity);
        if (slot.Waiting == 0 && slot.Capacity - slot.Reserved >= quantity)
        {
            slot.Reserved += quantity;
            return ([requested, new BookingConfirmed()], new SeatReserved(bookingId, subscription.CompanyId, quantity), counted);
        }
        var position = ++slot.Waiting;
        return ([requested, new BookingWaitlisted(position)], new WaitlistJoined(bookingId, subscription.CompanyId, quantity, position), counted);
    }

    public static EventMetadata Metadata(string actor) => new()
    {
        ActorOrganizationId = actor,
        CorrelationId = $"0HN{Random.Shared.Next():X8}:00000001",
        CausationId = $"0HN{Random.Shared.Next():X8}:00000001",
    };
}

/// <summary>Collects events for many streams into one append (one transaction).</summary>
internal sealed class Batch
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

internal static class Generator
{
    public const int EventsPerAppend = 500;

    public sealed record Result(double Seconds, long Appends, string Cpu);

    public static async Task<Result> RunAsync(EventStore store, World world, Options options)
    {
        var clock = Stopwatch.StartNew();
        var cpu = Cpu.Start();
        long appends = 0, events = 0;
        var writers = options.GenWriters;
        using var progress = new CancellationTokenSource();
        var reporter = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), progress.Token);
                    var done = Interlocked.Read(ref events);
                    Program.Log(Program.F($"generate: {clock.Elapsed.TotalSeconds:F0} s, {done:N0} events ({done / clock.Elapsed.TotalSeconds:N0}/s)"));
                }
            }
            catch (OperationCanceledException) { }
        });

        async Task FlushAsync(Batch batch, string actor)
        {
            if (batch.Events == 0) return;
            var count = batch.Events;
            await store.AppendAsync(batch.Take(), World.Metadata(actor));
            Interlocked.Increment(ref appends);
            Interlocked.Add(ref events, count);
        }

        // Phase by phase, as a marketplace fills up: organizations, then offers, slots and
        // subscriptions, then bookings. Every phase is split over the writers.
        Task Parallel(Func<int, Task> writer) => Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() => writer(w))));

        var organizations = world.ClubIds.Select(id => (id, OrganizationKind.Club))
            .Concat(world.ProviderIds.Select(id => (id, OrganizationKind.Provider)))
            .Concat(world.CompanyIds.Select(id => (id, OrganizationKind.Company))).ToList();
        await Parallel(async w =>
        {
            var batch = new Batch();
            for (var i = w; i < organizations.Count; i += writers)
            {
                var (id, kind) = organizations[i];
                batch.Add(Organization.StreamId(id), Organization.StreamType, ExpectedVersion.NoStream,
                    new OrganizationRegistered(id, kind, $"{kind} {i}", ["75", "92"], kind == OrganizationKind.Company ? "73282932000074" : null, world.Now.AddDays(-400)));
                if (batch.Events >= EventsPerAppend) await FlushAsync(batch, id);
            }
            await FlushAsync(batch, "operator");
        });

        var random = new Random(7);
        var categories = Enum.GetValues<Category>();
        await Parallel(async w =>
        {
            var batch = new Batch();
            foreach (var offer in world.Offers.Where(o => o.Partition == w))
            {
                batch.Add(Offer.StreamId(offer.Id), Offer.StreamType, ExpectedVersion.NoStream, new OfferPublished(
                    offer.Id, offer.ClubId, categories[offer.Id[^1] % categories.Length], $"Offer {offer.Id[^6..]}",
                    "Weekly sessions for employees of the member companies, on site or nearby.", ["75", "92"], "Europe/Paris",
                    Money.Euros(4900), Money.Euros(1500), offer.Id[^1] % 3 == 0 ? new CoFunding(world.ProviderIds[0], 2500) : null,
                    [world.ProviderIds[offer.Id[^2] % world.ProviderIds.Count]], world.Now.AddDays(-300)));
                if (batch.Events >= EventsPerAppend) await FlushAsync(batch, offer.ClubId);
            }
            await FlushAsync(batch, "operator");
        });

        await Parallel(async w =>
        {
            var batch = new Batch();
            foreach (var offer in world.Offers.Where(o => o.Partition == w))
            {
                foreach (var slot in offer.Slots)
                {
                    batch.Add(Slot.StreamId(slot.Id), Slot.StreamType, ExpectedVersion.NoStream,
                        new SlotScheduled(slot.Id, offer.Id, slot.Start, slot.Start.AddHours(2), slot.Capacity));
                    slot.Version = 1;
                    if (batch.Events >= EventsPerAppend) await FlushAsync(batch, offer.ClubId);
                }
            }
            await FlushAsync(batch, "operator");
        });

        // Subscriptions, grouped by company so that each company stream is in one writer's appends.
        var byCompany = world.Subscriptions.GroupBy(s => s.CompanyId).ToList();
        await Parallel(async w =>
        {
            var batch = new Batch();
            for (var i = w; i < byCompany.Count; i += writers)
            {
                foreach (var subscription in byCompany[i])
                {
                    batch.Add(Subscription.StreamId(subscription.Id), Subscription.StreamType, ExpectedVersion.NoStream,
                        new Subscribed(subscription.Id, subscription.CompanyId, subscription.Offer.Id, subscription.Offer.ClubId, 500,
                            DateOnly.FromDateTime(world.Now.UtcDateTime).AddDays(-200), world.Now.AddDays(-200)));
                    subscription.Version = 1;
                    batch.Add(Organization.StreamId(subscription.CompanyId), Organization.StreamType, ExpectedVersion.Any,
                        new SubscriptionOpened(subscription.Id, subscription.Offer.Id));
                }
                if (batch.Events >= EventsPerAppend) await FlushAsync(batch, "operator");
            }
            await FlushAsync(batch, "operator");
        });

        // Bookings: writer w books the slots of its offers, round after round one booking per slot,
        // so that an append (and a page of the feed) holds bookings of ~125 different slots, as
        // bookings arriving over time would.
        await Parallel(async w =>
        {
            var rng = new Random(1000 + w);
            var batch = new Batch();
            var slots = world.HistorySlots.Where(s => s.Offer.Partition == w).ToArray();
            rng.Shuffle(slots);
            var rounds = slots.Length == 0 ? 0 : slots.Max(s => s.Bookings);
            for (var round = 0; round < rounds; round++)
            {
                foreach (var slot in slots)
                {
                    if (round >= slot.Bookings) continue;
                    var subscription = slot.Offer.Subscriptions[rng.Next(slot.Offer.Subscriptions.Count)];
                    var bookingId = Ids.New(Ids.Booking);
                    var (booking, slotEvent, counted) = World.Book(slot, subscription, bookingId, rng.Next(10) == 0 ? 2 : 1, world.Now);
                    batch.Add(Booking.StreamId(bookingId), Booking.StreamType, ExpectedVersion.NoStream, booking[0]);
                    batch.Add(Booking.StreamId(bookingId), Booking.StreamType, ExpectedVersion.NoStream, booking[1]);
                    batch.Add(Slot.StreamId(slot.Id), Slot.StreamType, ExpectedVersion.Any, slotEvent);
                    batch.Add(Subscription.StreamId(subscription.Id), Subscription.StreamType, ExpectedVersion.Any, counted);
                    slot.Version++;
                    subscription.Version++;
                    if (batch.Events >= EventsPerAppend) await FlushAsync(batch, slot.Offer.ClubId);
                }
            }
            await FlushAsync(batch, "operator");
        });

        await progress.CancelAsync();
        await reporter;
        return new Result(clock.Elapsed.TotalSeconds, appends, cpu.Report(Interlocked.Read(ref events)));
    }
}
