using System.Diagnostics;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.BenchKit;
using Services.EventStore;

namespace Services.ProjectionBench;

using EventStore = Services.EventStore.EventStore;

/// <summary>
/// One load writer: books the slots of its own offer in turn with its own subscriptions, one
/// booking per append (booking stream new, slot and subscription at their exact versions), as the
/// BookSeat command appends after deciding.
/// </summary>
internal sealed class LoadWorker(OfferInfo offer, int index)
{
    private readonly Random _random = new(5000 + index);
    private int _next;

    public SlotInfo[] Slots { get; } = offer.Slots.ToArray();

    public async Task<AppendResult> BookAsync(EventStore store)
    {
        var slot = Slots[_next++ % Slots.Length];
        var subscription = offer.Subscriptions[_random.Next(offer.Subscriptions.Count)];
        var bookingId = Ids.New(Ids.Booking);
        // Decide on copies: the counts change only once the append succeeded.
        var (reserved, waiting) = (slot.Reserved, slot.Waiting);
        var (booking, slotEvent, counted) = World.Book(slot, subscription, bookingId, 1, DateTimeOffset.UtcNow);
        try
        {
            var result = await store.AppendAsync(
                [
                    new StreamAppend(Booking.StreamId(bookingId), Booking.StreamType, ExpectedVersion.NoStream, booking),
                    new StreamAppend(Slot.StreamId(slot.Id), Slot.StreamType, ExpectedVersion.Exactly(slot.Version), [slotEvent]),
                    new StreamAppend(Subscription.StreamId(subscription.Id), Subscription.StreamType, ExpectedVersion.Exactly(subscription.Version), [counted]),
                ],
                World.Metadata(subscription.CompanyId));
            slot.Version++;
            subscription.Version++;
            return result;
        }
        catch
        {
            (slot.Reserved, slot.Waiting) = (reserved, waiting);
            throw;
        }
    }
}

internal static class Load
{
    public sealed record Result(long Count, double Rate, double AppendP50, double AppendP99, double LatenessP99, string Cpu);

    /// <summary>Every worker books as fast as it can; bookings completed in the measured window per second.</summary>
    public static async Task<Result> ClosedLoopAsync(EventStore store, LoadWorker[] workers, TimeSpan warmup, TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        var measureFrom = warmup;
        var measureTo = warmup + duration;
        var latencies = new List<double>[workers.Length];
        var cpu = default(HostCpu);
        var cpuTimer = Task.Delay(warmup).ContinueWith(_ => cpu = HostCpu.Start(), TaskScheduler.Default);
        await Task.WhenAll(workers.Select((worker, w) => Task.Run(async () =>
        {
            var mine = latencies[w] = [];
            while (true)
            {
                var start = clock.Elapsed;
                if (start >= measureTo) break;
                await worker.BookAsync(store);
                var end = clock.Elapsed;
                if (start >= measureFrom && end <= measureTo) mine.Add((end - start).TotalMilliseconds);
            }
        })));
        await cpuTimer;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Result(all.Length, all.Length / duration.TotalSeconds, Program.Percentile(all, 0.5), Program.Percentile(all, 0.99), 0, cpu!.Report(all.Length));
    }

    /// <summary>
    /// Open loop: booking i starts at t0 + i / rate, whoever of the workers is free takes it (a
    /// worker late on its schedule starts at once). Appends starting in the measured window are
    /// registered with the watcher when they return.
    /// </summary>
    public static async Task<Result> PacedAsync(EventStore store, LoadWorker[] workers, double rate, TimeSpan warmup, TimeSpan duration, LagWatcher watcher)
    {
        var clock = Stopwatch.StartNew();
        var end = warmup + duration;
        long ticket = -1;
        var latencies = new List<double>[workers.Length];
        var lateness = new List<double>[workers.Length];
        HostCpu? cpu = null;
        var cpuTimer = Task.Delay(warmup).ContinueWith(_ => cpu = HostCpu.Start(), TaskScheduler.Default);
        await Task.WhenAll(workers.Select((worker, w) => Task.Run(async () =>
        {
            var mine = latencies[w] = [];
            var late = lateness[w] = [];
            while (true)
            {
                var due = TimeSpan.FromSeconds(Interlocked.Increment(ref ticket) / rate);
                if (due >= end) break;
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                var start = clock.Elapsed;
                var result = await worker.BookAsync(store);
                var returned = Stopwatch.GetTimestamp();
                if (due < warmup) continue;
                watcher.Register(result.LastPosition, returned);
                mine.Add((clock.Elapsed - start).TotalMilliseconds);
                late.Add((start - due).TotalMilliseconds);
            }
        })));
        await cpuTimer;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        var lates = lateness.SelectMany(l => l).Order().ToArray();
        var seconds = (clock.Elapsed - warmup).TotalSeconds;
        return new Result(all.Length, all.Length / duration.TotalSeconds, Program.Percentile(all, 0.5), Program.Percentile(all, 0.99), Program.Percentile(lates, 0.99), cpu!.Report(all.Length));
    }
}
