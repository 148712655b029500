using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.ReadModels;
using Services.Api.Slots;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Catalog;

public static class GetOfferAvailabilityEndpoint
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    /// <summary>A page's JSON as kept in <see cref="AvailabilityCache"/>, written as is (the API document declares the typed page).</summary>
    private static FileContentHttpResult KeptJson(byte[] json) => TypedResults.Bytes(json, "application/json; charset=utf-8");

    public static void MapGetOfferAvailability(this IEndpointRouteBuilder offers) =>
        offers.MapGet("/{offerId}/availability", Handle)
            .WithName("getOfferAvailability")
            .WithSummary("Read an offer's slots and their availability")
            .WithDescription(
                "Slots are public: any organization may read them. One entry per slot of the offer starting in [from, to) — from defaults to now, " +
                "to to no bound — in start order (earliest first), with capacity, reserved, remaining, waitlist length and status " +
                "(cancelled slots included unless status=scheduled, with their cancellation: the reason their club gave and when), and the offer's status (offerStatus): remaining is 0 on a slot that takes no bookings, " +
                "started, cancelled or of a suspended or withdrawn offer (a suspended offer's slots have room again once it is resumed). Cursor pagination: limit 1 to 500 (default 100), after → next. " +
                "Read model 'catalog': eventually consistent; pass minPosition to read your writes. An offer published a moment ago is " +
                "waited for (up to 5 s, then 503), not answered 404.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<Page<SlotResponse>>, FileContentHttpResult, ValidationProblem, ProblemHttpResult>> Handle(
        string offerId,
        [Description("Only slots starting at or after this instant (default now).")] DateTimeOffset? from,
        [Description("Only slots starting before this instant.")] DateTimeOffset? to,
        [Description("scheduled or cancelled; both when not given."), OneOf(typeof(SlotStatus))] string? status,
        [Description("Page size, 1 to 500 (default 100)."), Range(1, MaxLimit), DefaultValue(DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        NpgsqlDataSource db,
        EventStore.EventStore store,
        ProjectionDaemon daemon,
        AvailabilityCache cache,
        IOptions<JsonOptions> json,
        TimeProvider time,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.Slot, out var pageSize, out var cursor, DefaultLimit, MaxLimit).InstantsInQuery(http.Request, "from", "to");
        var statusFilter = validation.Filter<SlotStatus>("status", status);
        var now = time.GetUtcNow();
        var since = from ?? now;
        validation.After(since, to, "Must be after from (or after now when from is not given).");
        var readPosition = ReadYourWrites.Parse(validation, minPosition);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (await ReadYourWrites.WaitAsync(daemon, CatalogReadModels.CatalogShard, readPosition, http.Response, cancellationToken) is { } lagging) return lagging;
        // The default query's answer is kept in memory (AvailabilityCache says when it is still the rows').
        var firstPage = from is null && to is null && statusFilter is null && cursor is null && pageSize == DefaultLimit;
        if (firstPage && cache.TryGet(offerId, since, readPosition, out var kept)) return KeptJson(kept);
        var ticket = firstPage ? cache.Ticket() : AvailabilityCache.NoTicket;
        var slots = await QueryAsync(db, offerId, since, to, statusFilter, cursor, pageSize, now, cancellationToken);
        if (slots is null && await PublishedAtAsync(store, offerId, cancellationToken) is { } published)
        {
            // The catalog has not applied the offer yet: a client that just published it reads it, as with minPosition.
            if (await ReadYourWrites.WaitAsync(daemon, CatalogReadModels.CatalogShard, published, http.Response, cancellationToken) is { } notYet) return notYet;
            ticket = firstPage ? cache.Ticket() : AvailabilityCache.NoTicket;
            slots = await QueryAsync(db, offerId, since, to, statusFilter, cursor, pageSize, now, cancellationToken);
        }
        if (slots is null) return Problems.NotFound("offer");
        var page = PageCursor.ToPage(slots, pageSize, r => new PageCursor(r.Start, r.Id));
        if (!firstPage) return TypedResults.Ok(page);
        var body = JsonSerializer.SerializeToUtf8Bytes(page, json.Value.SerializerOptions);
        cache.Keep(ticket, offerId, since, page.Data, body);
        return KeptJson(body);
    }

    /// <summary>Where the offer's first event is in the feed; null for an offer that was never published.</summary>
    private static async Task<EventStore.FeedPosition?> PublishedAtAsync(EventStore.EventStore store, string offerId, CancellationToken cancellationToken) =>
        Ids.IsWellFormed(offerId, Ids.Offer) && (await store.ReadStreamAsync(Offer.StreamId(offerId), 1, cancellationToken)).FirstOrDefault() is { } first
            ? first.Position
            : null;

    /// <summary>The page's slots (one more than asked, to tell whether there is a next page); null when the catalog has no such offer.</summary>
    private static async Task<List<SlotResponse>?> QueryAsync(
        NpgsqlDataSource db, string offerId, DateTimeOffset since, DateTimeOffset? to, SlotStatus? statusFilter, PageCursor? cursor, int pageSize, DateTimeOffset now, CancellationToken cancellationToken)
    {
        // One statement tells an unknown offer (no row) from an offer without slots in range (one
        // row of nulls). It names only the filters given: with "$3 is null or …" for absent ones,
        // PostgreSQL planned it again on every call (~70% of its CPU for a read).
        var filters = new QueryFilters(offerId, Utc(since), pageSize + 1);
        if (to is { } end) filters.And($"start_at < {filters.Parameter(Utc(end))}");
        if (statusFilter is { } wanted) filters.And($"status = {filters.Parameter(Wire(wanted))}");
        if (cursor is { } k) filters.And($"(start_at, slot_id) > ({filters.Parameter(Utc(k.At))}, {filters.Parameter(k.Id)})");
        await using var command = ReadModelSql.Command(db, $"""
            select s.slot_id, s.offer_id, s.start_at, s.end_at, s.capacity, s.reserved, s.waitlist_length, o.status, s.cancel_reason, s.cancelled_at, s.status
            from rm_catalog_offers o
            left join lateral (
                select slot_id, offer_id, start_at, end_at, capacity, reserved, waitlist_length, cancel_reason, cancelled_at, status
                from rm_catalog_slots
                where offer_id = o.offer_id and start_at >= $2{filters.Conditions}
                order by start_at, slot_id
                limit $3
            ) s on true
            where o.offer_id = $1
            order by s.start_at, s.slot_id
            """, filters.Values);
        var rows = new List<SlotResponse>();
        var offerKnown = false;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                offerKnown = true;
                if (reader.IsDBNull(0)) break;
                rows.Add(SlotResponse.Of(
                    reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetFieldValue<DateTimeOffset>(3),
                    reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6), Parse<SlotStatus>(reader.GetString(10))!.Value, Parse<OfferStatus>(reader.GetString(7))!.Value,
                    reader.NullableString(8) is { } reason ? new SlotCancellation(reason, reader.GetFieldValue<DateTimeOffset>(9)) : null, now));
            }
        }
        return offerKnown ? rows : null;
    }
}
