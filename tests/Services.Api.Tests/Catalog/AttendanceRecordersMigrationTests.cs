using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Catalog;

/// <summary>Migration 0042 run on a booking list written before it: bookings show who recorded their attendance, and when, as a rebuild would.</summary>
public sealed class AttendanceRecordersMigrationTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task Bookings_recorded_before_it_show_their_last_recorder_as_a_rebuild_would()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var corrected = await api.BookAsync(company, subscription.Id, slot.Id);
        var recordedOnce = await api.BookAsync(company, subscription.Id, slot.Id);
        await api.BookAsync(company, subscription.Id, slot.Id);
        // As recorded before their instant was kept, then a correction that keeps it.
        await api.AppendAsync(Booking.StreamId(corrected.Id), Booking.StreamType, new AttendanceRecorded(AttendanceOutcome.NoShow, club.Id));
        await api.AppendAsync(Booking.StreamId(corrected.Id), Booking.StreamType, new AttendanceRecorded(AttendanceOutcome.Attended, Caller.OperatorId, slot.Start.AddHours(1)));
        await api.AppendAsync(Booking.StreamId(recordedOnce.Id), Booking.StreamType, new AttendanceRecorded(AttendanceOutcome.NoShow, club.Id));
        await api.CaughtUpAsync(CatalogReadModels.BookingListShard);
        string[] tables = ["rm_bookings"];
        var projected = await api.SnapshotAsync(tables);
        (await api.CountAsync("select count(*) from rm_bookings where booking_id = $1 and attendance_recorded_by = 'operator' and attendance_recorded_at is not null", corrected.Id)).ShouldBe(1);
        (await api.CountAsync("select count(*) from rm_bookings where booking_id = $1 and attendance_recorded_by = $2 and attendance_recorded_at is null", recordedOnce.Id, club.Id)).ShouldBe(1);

        // As on a database that had not had it yet.
        await api.ExecuteAsync("update rm_bookings set attendance_recorded_by = null, attendance_recorded_at = null");
        await api.ExecuteAsync("delete from schema_migrations where component = 'api' and version = 42");
        await SchemaMigration.ApplyAsync(api.Service<EventStore.EventStore>(), CancellationToken.None);

        (await api.SnapshotAsync(tables)).ShouldBe(projected);
    }
}
