using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.Api.Slots;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Catalog;

/// <summary>What listBookings' attendance filter takes: an outcome recorded, or none recorded yet.</summary>
public enum AttendanceFilter
{
    Attended,
    NoShow,
    None,
}

public static class ListBookingsEndpoint
{
    public static void MapListBookings(this IEndpointRouteBuilder bookings) =>
        bookings.MapGet("", Handle)
            .WithName("listBookings")
            .WithSummary("List bookings")
            .WithDescription(
                "The bookings the caller may see, as in getBooking: a company its own, a club those on its offers, a provider those on the offers it " +
                "delivers, the operator all. Newest requested first, cursor pagination (limit, after → next). Filters: status, slotId, offerId, " +
                "subscriptionId (the bookings made on one subscription, whatever their status, to reconcile its quota: status= narrows), companyId (useful to clubs, providers and the operator; a company only ever sees its own), beneficiaryRef (a person's bookings, " +
                "as the booking company refers to them), attendance, from/to on the slot's start (status=confirmed&attendance=none&to=<now>: " +
                "the bookings whose attendance is still to record). " +
                "Contact details as in getBooking (a provider reads those of the confirmed bookings it delivers, until 7 days after the slot starts), and the slot's cancellation of bookings it cancelled. Read model 'booking-list': eventually consistent; pass minPosition to read your writes " +
                "(companyName comes from the 'insights' read model, which minPosition does not wait for: a rename may show a moment later).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<Page<BookingResponse>>, ValidationProblem, ProblemHttpResult>> Handle(
        [Description("requested, confirmed, waitlisted, cancelled or expired."), OneOf(typeof(BookingStatus))] string? status,
        [Description("Only bookings of this slot."), Id(Ids.Slot)] string? slotId,
        [Description("Only bookings on this offer."), Id(Ids.Offer)] string? offerId,
        [Description("Only bookings counted against this subscription's quota."), Id(Ids.Subscription)] string? subscriptionId,
        [Description("Only bookings of this company."), Id(Ids.Organization)] string? companyId,
        [Description("Only bookings for this beneficiary, as the booking company refers to them (with companyId where you see several companies' bookings)."),
         StringLength(Booking.MaxBeneficiaryRef, MinimumLength = 1), RegularExpression(BookSeatRequest.OpaqueReferencePattern)] string? beneficiaryRef,
        [Description("attended or no_show (as recorded), or none (nothing recorded yet)."), OneOf(typeof(AttendanceFilter))] string? attendance,
        [Description("Only bookings of slots starting at or after this instant.")] DateTimeOffset? from,
        [Description("Only bookings of slots starting before this instant.")] DateTimeOffset? to,
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        Caller caller,
        NpgsqlDataSource db,
        ContactVault vault,
        ProjectionDaemon daemon,
        TimeProvider time,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.Booking, out var pageSize, out var cursor).InstantsInQuery(http.Request, "from", "to");
        var statusFilter = validation.Filter<BookingStatus>("status", status);
        var attendanceFilter = validation.Filter<AttendanceFilter>("attendance", attendance);
        validation.Id("slotId", slotId, Ids.Slot, required: false)
            .Id("offerId", offerId, Ids.Offer, required: false)
            .Id("subscriptionId", subscriptionId, Ids.Subscription, required: false)
            .Id("companyId", companyId, Ids.Organization, required: false);
        if (beneficiaryRef is not null) BookSeatRequest.ValidateBeneficiaryRef(validation, beneficiaryRef);
        validation.After(from, to, "Must be after from.");
        if (await ReadYourWrites.CheckAndWaitAsync(validation, minPosition, daemon, CatalogReadModels.BookingListShard, http.Response, cancellationToken) is { } unready) return unready;

        var filters = new QueryFilters(
            caller.OrganizationId, caller.Kind == OrganizationKind.Provider, Utc(time.GetUtcNow() - Booking.ProviderContactWindow), pageSize + 1);
        if (statusFilter is { } wanted) filters.And($"b.status = {filters.Parameter(Wire(wanted))}");
        if (slotId is not null) filters.And($"b.slot_id = {filters.Parameter(slotId)}");
        if (offerId is not null) filters.And($"b.offer_id = {filters.Parameter(offerId)}");
        if (subscriptionId is not null) filters.And($"b.subscription_id = {filters.Parameter(subscriptionId)}");
        if (companyId is not null) filters.And($"b.company_id = {filters.Parameter(companyId)}");
        if (from is { } since) filters.And($"b.slot_start >= {filters.Parameter(Utc(since))}");
        if (to is { } until) filters.And($"b.slot_start < {filters.Parameter(Utc(until))}");
        if (cursor is { } k) filters.And($"(b.requested_at, b.booking_id) < ({filters.Parameter(Utc(k.At))}, {filters.Parameter(k.Id)})");
        if (beneficiaryRef is not null) filters.And($"b.beneficiary_ref = {filters.Parameter(beneficiaryRef)}");
        if (attendanceFilter is { } recorded) filters.And($"coalesce(b.attendance, 'none') = {filters.Parameter(Wire(recorded))}");
        await using var command = ReadModelSql.Command(db, $"""
            select b.booking_id, b.company_id, b.subscription_id, b.offer_id, b.slot_id, b.slot_start, b.quantity, b.beneficiary_ref,
                   b.status, b.attendance,
                   case when b.status = 'waitlisted' then (
                       select count(*)::int from rm_bookings w
                       where w.slot_id = b.slot_id and w.status = 'waitlisted' and w.waitlisted_seq <= b.waitlisted_seq) end,
                   b.requested_at, b.contact_key_id, b.contact_ciphertext,
                   (b.company_id = $1 or b.club_id = $1 or ($2 and b.provider_ids @> array[$1::text] and {Booking.ProviderDeliversSql("b", "$3")})) as may_read_contact,
                   b.cancel_reason, c.reason, c.cancelled_at, company.name, b.attendance_recorded_by, b.attendance_recorded_at
            from rm_bookings b
            left join rm_booking_slot_cancellations c on b.cancel_reason = 'slot_cancelled' and c.slot_id = b.slot_id
            left join {InsightsProjection.Prefix}_organizations company on company.organization_id = b.company_id
            where {ReadModelSql.Scope(caller.IsOperator, "b.company_id = $1 or b.club_id = $1 or ($2 and b.provider_ids @> array[$1::text])")}{filters.Conditions}
            order by b.requested_at desc, b.booking_id desc
            limit $4
            """, filters.Values);
        var rows = new List<BookingResponse>();
        var sealedContacts = new List<(int Row, SealedContact Contact)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                BookingContact? contact = null;
                if (reader.NullableString(12) is { } keyId)
                {
                    if (reader.GetBoolean(14)) sealedContacts.Add((rows.Count, new SealedContact(keyId, reader.GetString(13))));
                    else contact = BookingContact.Withheld;
                }
                rows.Add(new BookingResponse(
                    reader.GetString(0), reader.GetString(1), reader.NullableString(18), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6), reader.GetString(7), reader.GetFieldValue<DateTimeOffset>(11),
                    Parse<BookingStatus>(reader.GetString(8))!.Value, reader.Nullable<int>(10),
                    Parse<AttendanceOutcome>(reader.NullableString(9)), Parse<CancellationReason>(reader.NullableString(15)),
                    reader.NullableString(16) is { } reason ? new SlotCancellation(reason, reader.GetFieldValue<DateTimeOffset>(17)) : null, contact,
                    reader.NullableString(19), reader.Nullable<DateTimeOffset>(20)));
            }
        }
        var opened = await vault.OpenAsync([.. sealedContacts.Select(s => s.Contact)], cancellationToken);
        for (var i = 0; i < sealedContacts.Count; i++)
        {
            var row = sealedContacts[i].Row;
            rows[row] = rows[row] with { Contact = opened[i] };
        }
        return TypedResults.Ok(PageCursor.ToPage(rows, pageSize, booking => new PageCursor(booking.RequestedAt, booking.Id)));
    }
}
