using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Subscriptions;

namespace Services.Api.Slots;

/// <summary>
/// The reaction "seats are free and a waiting booking fits them → it is promoted". Changes of the slot promote at
/// once; this one catches a booking passed over for its company's quota that fits again after a change elsewhere
/// (a quota raised, a booking on another slot cancelled). Every <c>Reactions:PromotionIntervalSeconds</c> (default 15)
/// it finds, in the catalog and booking-list read models, scheduled slots yet to start with free seats and a
/// waitlisted booking no larger than them, and runs <see cref="PromoteWaitlist"/> on each as a command would.
/// </summary>
public sealed class WaitlistPromotion(
    NpgsqlDataSource db,
    EventStore.EventStore store,
    CommandRunner runner,
    TimeProvider time,
    IOptions<ReactionOptions> options,
    ILogger<WaitlistPromotion> logger) : PeriodicReaction("waitlist-promotion", o => o.PromotionIntervalSeconds, options, logger)
{
    protected override Task<IReadOnlyList<string>> CandidatesAsync(string after, CancellationToken cancellationToken) =>
        IdsAsync(ReadModelSql.Command(db, """
            select s.slot_id from rm_catalog_slots s
            where s.waitlist_length > 0 and s.start_at > $1 and s.status = 'scheduled' and s.reserved < s.capacity
              and s.slot_id > $2
              and exists (select 1 from rm_bookings b
                          where b.slot_id = s.slot_id and b.status = 'waitlisted' and b.quantity <= s.capacity - s.reserved)
            order by s.slot_id
            limit $3
            """, time.GetUtcNow().ToUniversalTime(), after, CandidatesPerQuery), cancellationToken);

    /// <summary>Promotes what fits on the slot; answers how many bookings were promoted.</summary>
    protected override async Task<int> ActOnAsync(string slotId, CancellationToken cancellationToken)
    {
        var stream = Slot.Stream(slotId);
        var before = (await store.LoadAsync(stream, cancellationToken)).State;
        if (before is null || before.Waitlist.Count == 0) return 0;
        return await runner.RunAsync([stream.Id, .. before.Waitlist.Select(w => Booking.StreamId(w.BookingId))], async (streams, ct) =>
        {
            var slot = await streams.LoadAsync(stream, ct);
            var decision = await PromotionQuota.DecideAsync(streams,
                passedOver => Slot.Decide(new PromoteWaitlist(slotId), slot, time.GetUtcNow(), passedOver),
                promotion => promotion.Bookings.Keys,
                _ => new Dictionary<string, SubscriptionState>(),
                ct);
            if (decision.Refusal is not null || decision.Events!.Slot.Count == 0) return 0;
            var promotion = decision.Events;
            await streams.AppendAsync(Metadata, [(stream.Id, promotion.Slot), .. promotion.Bookings.Select(b => (Booking.StreamId(b.Key), b.Value))], ct);
            return promotion.Bookings.Count;
        }, cancellationToken);
    }
}
