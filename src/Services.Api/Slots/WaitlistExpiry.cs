using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Subscriptions;
using Services.EventStore;

namespace Services.Api.Slots;

/// <summary>
/// The reaction "a slot starts → its remaining waitlisted bookings expire (unmet demand)". Every
/// <c>Reactions:ExpiryIntervalSeconds</c> (default 15) it finds, in the catalog read model, slots that
/// have started and still have a waitlist, and runs <see cref="ExpireWaitlist"/> on each through the
/// same path as commands: the slot, its waitlisted bookings and their subscriptions are loaded,
/// decided on and appended in one transaction (a version conflict reloads and decides again).
/// </summary>
public sealed class WaitlistExpiry(
    NpgsqlDataSource db,
    EventStore.EventStore store,
    CommandRunner runner,
    TimeProvider time,
    IOptions<ReactionOptions> options,
    ILogger<WaitlistExpiry> logger) : PeriodicReaction("waitlist-expiry", o => o.ExpiryIntervalSeconds, options, logger)
{
    protected override Task<IReadOnlyList<string>> CandidatesAsync(string after, CancellationToken cancellationToken) =>
        IdsAsync(ReadModelSql.Command(db, """
            select slot_id from rm_catalog_slots
            where waitlist_length > 0 and start_at <= $1 and status = 'scheduled' and slot_id > $2
            order by slot_id
            limit $3
            """, time.GetUtcNow().ToUniversalTime(), after, CandidatesPerQuery), cancellationToken);

    /// <summary>Expires the waitlist of a slot that has started; answers how many bookings expired.</summary>
    protected override async Task<int> ActOnAsync(string slotId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
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
