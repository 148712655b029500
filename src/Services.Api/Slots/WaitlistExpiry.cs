using Npgsql;
using Services.Api.Bookings;
using Services.Api.Listings;
using Services.Api.Infrastructure;
using Services.Api.Subscriptions;
using Services.EventStore;

namespace Services.Api.Slots;

/// <summary>
/// The reaction "a slot starts → its remaining waitlisted bookings expire (unmet demand)". Every
/// <c>Reactions:ExpiryIntervalSeconds</c> (default 15) it finds, in the catalog read model, slots that
/// have started and still have a waitlist, and runs <see cref="ExpireWaitlist"/> on each through the
/// same path as commands: the slot, its waitlisted bookings and their subscriptions are loaded,
/// decided on and appended in one transaction (a version conflict reloads and decides again).
/// The read model only nominates candidates: the decision is taken on the streams, so a lagging or
/// stale candidate simply decides nothing. Several nodes may run it: the stream versions keep it exactly-once.
/// </summary>
public sealed class WaitlistExpiry(
    NpgsqlDataSource db,
    EventStore.EventStore store,
    CommandRunner runner,
    TimeProvider time,
    IConfiguration configuration,
    ILogger<WaitlistExpiry> logger) : BackgroundService
{
    private const int BatchSize = 200;

    public TimeSpan Interval { get; } = TimeSpan.FromSeconds(Math.Max(1, configuration.GetValue("Reactions:ExpiryIntervalSeconds", 15)));

    private static readonly EventMetadata Metadata = new()
    {
        CorrelationId = "reaction:waitlist-expiry",
        CausationId = "reaction:waitlist-expiry",
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning(ex, "Waitlist expiry failed; retrying at the next tick");
            }
        }
    }

    /// <summary>Expires the waitlists of every slot that has started; answers how many bookings expired.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expired = 0;
        foreach (var slotId in await CandidatesAsync(now, cancellationToken))
            expired += await ExpireAsync(slotId, now, cancellationToken);
        return expired;
    }

    private async Task<IReadOnlyList<string>> CandidatesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(db, """
            select slot_id from rm_catalog_slots
            where waitlist_length > 0 and start_at <= $1 and status = 'scheduled'
            order by start_at, slot_id
            limit $2
            """, now.ToUniversalTime(), BatchSize);
        var slotIds = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) slotIds.Add(reader.GetString(0));
        return slotIds;
    }

    private async Task<int> ExpireAsync(string slotId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stream = Slot.Stream(slotId);
        var before = (await store.LoadAsync(stream, cancellationToken)).State;
        if (before is null || before.Waitlist.Count == 0) return 0;
        var waiting = before.Waitlist.Select(w => Booking.StreamId(w.BookingId));
        return await runner.RunAsync([stream.Id, .. waiting], async (streams, ct) =>
        {
            var slot = await streams.LoadAsync(stream, ct);
            if (slot is null || slot.Waitlist.Count == 0) return 0;
            var bookings = await streams.LoadManyAsync(slot.Waitlist.Select(w => w.BookingId), Booking.Stream, ct);
            var subscriptions = await streams.LoadManyAsync(bookings.Values.Select(b => b.SubscriptionId), Subscription.Stream, ct);
            var decision = Slot.Decide(new ExpireWaitlist(slotId), slot, bookings, subscriptions, now);
            if (decision.Refusal is not null) return 0;
            var outcome = decision.Events!;
            if (outcome.Slot.Count == 0) return 0;
            await streams.AppendAsync(Metadata,
            [
                (stream.Id, outcome.Slot),
                .. outcome.Bookings.Select(b => (Booking.StreamId(b.Key), b.Value)),
                .. outcome.Subscriptions.Select(s => (Subscription.StreamId(s.Key), s.Value)),
            ], ct);
            return outcome.Bookings.Count;
        }, cancellationToken);
    }
}
