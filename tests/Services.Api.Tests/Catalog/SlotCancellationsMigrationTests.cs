using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Slots;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Catalog;

/// <summary>Migration 0027 run on read models written before it: cancelled slots get the reason and instant a rebuild would give them.</summary>
public sealed class SlotCancellationsMigrationTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Slots_cancelled_before_it_show_the_reason_and_instant_a_rebuild_would_give_them()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        await api.BookAsync(company, subscription.Id, slot.Id);
        await api.CancelSlotAsync(club, slot.Id, "Driver ill");
        await api.AppendAsync(Slot.StreamId((await api.ScheduleSlotAsync(club, offer.Id)).Id), Slot.StreamType, new SlotCancelled("Snow"));
        await api.ScheduleSlotAsync(club, offer.Id);
        await api.CaughtUpAsync(CatalogReadModels.CatalogShard);
        await api.CaughtUpAsync(CatalogReadModels.BookingListShard);
        string[] tables = ["rm_catalog_slots", "rm_booking_slot_cancellations"];
        var projected = await api.SnapshotAsync(tables);
        (await api.CountAsync("select count(*) from rm_catalog_slots where cancel_reason is not null")).ShouldBe(2);

        // As on a database that had not had it yet.
        await api.ExecuteAsync("update rm_catalog_slots set cancel_reason = null, cancelled_at = null");
        await api.ExecuteAsync("delete from rm_booking_slot_cancellations");
        await api.ExecuteAsync("delete from schema_migrations where component = 'api' and version = 27");
        await SchemaMigration.ApplyAsync(api.Service<EventStore.EventStore>(), CancellationToken.None);

        (await api.SnapshotAsync(tables)).ShouldBe(projected);
        (await api.CountAsync("select count(*) from schema_migrations where component = 'api' and version = 27")).ShouldBe(1);
    }
}
