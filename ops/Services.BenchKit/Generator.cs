using System.Diagnostics;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.EventStore;

namespace Services.BenchKit;

using EventStore = Services.EventStore.EventStore;

/// <summary>Writes a <see cref="World"/>'s history through the event store, in multi-stream appends of ~<see cref="EventsPerAppend"/> events.</summary>
public static class Generator
{
    public const int EventsPerAppend = 500;

    public sealed record Result(double Seconds, long Appends, string Cpu);

    public static async Task<Result> RunAsync(EventStore store, World world, int writers)
    {
        var clock = Stopwatch.StartNew();
        var cpu = HostCpu.Start();
        long appends = 0, events = 0;
        using var progress = new CancellationTokenSource();
        var reporter = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(10), progress.Token);
                    var done = Interlocked.Read(ref events);
                    Stats.Log($"generate: {clock.Elapsed.TotalSeconds:F0} s, {done:N0} events ({done / clock.Elapsed.TotalSeconds:N0}/s)");
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
                        new Subscribed(subscription.Id, subscription.CompanyId, subscription.Offer.Id, subscription.Offer.ClubId, subscription.MonthlyQuota,
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
