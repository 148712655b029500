using Npgsql;
using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Demand;
using Services.Api.Tests.Http;
using static Services.Api.Tests.Demand.InsightStore;

namespace Services.Api.Tests.Demand;

/// <summary>Booking rows are folded per page: the rows must be those of applying the events one by one, however they are paged.</summary>
public sealed class BookingFoldTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly string[] Shards = [InsightsProjection.ShardName, CatalogReadModels.BookingListShard];

    private static readonly object[][] Lives =
    [
        [new BookingWaitlisted(2), new BookingPromoted(), new AttendanceRecorded(AttendanceOutcome.NoShow, "prv")],
        [new BookingConfirmed(), new BookingCancelled(CancellationReason.OnRequest)],
        [new BookingWaitlisted(1), new BookingExpired()],
    ];

    [Fact]
    public async Task A_booking_reads_the_same_whether_its_events_come_in_one_page_or_one_page_each()
    {
        var store = new InsightStore(api);
        var (club, company) = ("org_clubfoldaaaaaaaaaaaaaaaa", "org_companyfoldaaaaaaaaaaaaa");
        var offer = await store.OfferAsync(club, [NewTerritory()], unitPrice: 1_000);
        var slot = await store.SlotAsync(offer, At(new DateOnly(2026, 3, 10)));
        await CaughtUpAsync(store);

        // One page: the daemon is stopped while everything is appended.
        await store.Daemon.StopAsync();
        var together = new List<string>();
        foreach (var life in Lives) together.Add(await store.BookAsync(company, offer, slot, 1, "together", life));
        var beforeRevision = await store.BookAsync(company, offer, slot, 1, "before", Confirmed);
        await store.ReviseAsync(offer, [NewTerritory()], 5_000, unitPrice: 2_000);
        var afterRevision = await store.BookAsync(company, offer, slot, 1, "after", Confirmed);
        await store.Daemon.StartAsync();
        await CaughtUpAsync(store);

        // One page per event: each shard applies each event before the next is appended.
        var apart = new List<string>();
        foreach (var life in Lives)
        {
            var id = await store.BookAsync(company, offer, slot, 1, "apart");
            await CaughtUpAsync(store);
            foreach (var change in life)
            {
                await store.AppendAsync(Booking.StreamId(id), Booking.StreamType, change);
                await CaughtUpAsync(store);
            }
            apart.Add(id);
        }

        for (var i = 0; i < Lives.Length; i++)
        {
            // The price aside: the bookings appended apart came after the revision.
            var (facts, listed) = (await FactsAsync(store, together[i]), await ListedAsync(store, together[i]));
            facts.ShouldNotBe("missing", $"life {i}");
            listed.ShouldNotBe("missing", $"life {i}");
            WithoutPrice(facts).ShouldBe(WithoutPrice(await FactsAsync(store, apart[i])), $"life {i}");
            listed.ShouldBe(await ListedAsync(store, apart[i]), $"life {i}");
        }
        // A booking takes the unit price of its request, even when a revision follows in the same page.
        (await FactsAsync(store, beforeRevision)).ShouldStartWith("1000|");
        (await FactsAsync(store, afterRevision)).ShouldStartWith("2000|");
    }

    private static async Task CaughtUpAsync(InsightStore store)
    {
        foreach (var shard in Shards) await store.CaughtUpAsync(shard);
    }

    private static string WithoutPrice(string facts) => facts[(facts.IndexOf('|', StringComparison.Ordinal) + 1)..];

    /// <summary>The booking's fact row, its unit price first.</summary>
    private static Task<string> FactsAsync(InsightStore store, string bookingId) => RowAsync(store, $"""
        select concat_ws('|', unit_price, status, confirmed, waitlisted, promoted, coalesce(attendance, '-'), quantity)
        from {InsightsProjection.Prefix}_bookings where booking_id = $1
        """, bookingId);

    /// <summary>The booking's row in the booking list (its waitlist order and promotion time depend on the events' positions and times).</summary>
    private static Task<string> ListedAsync(InsightStore store, string bookingId) => RowAsync(store, """
        select concat_ws('|', status, coalesce(attendance, '-'), coalesce(waitlist_position_at_join::text, '-'), coalesce(cancel_reason, '-'),
                         waitlisted_seq is not null, promoted_at is not null, quantity)
        from rm_bookings where booking_id = $1
        """, bookingId);

    private static async Task<string> RowAsync(InsightStore store, string sql, string bookingId)
    {
        await using var command = store.Store.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = bookingId });
        return (string?)await command.ExecuteScalarAsync() ?? "missing";
    }
}
