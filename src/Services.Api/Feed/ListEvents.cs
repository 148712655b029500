using System.Buffers.Text;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.OpenApi;
using Npgsql;
using NpgsqlTypes;
using Services.Api.Beneficiaries;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Needs;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Feed;

/// <summary>An event as the change feed and webhook deliveries show it.</summary>
/// <param name="Id">The event id: the same in the feed and in every delivery (de-duplicate on it).</param>
/// <param name="Type">The stable event name, e.g. <c>booking.confirmed</c>.</param>
/// <param name="Subject">
/// The resource the event is about (<c>{"type": "booking", "id": "bkg_…"}</c>: read it with GET /v1/bookings/{id}), the same
/// in the feed and in webhook deliveries. Absent only from a redelivery of a webhook delivery queued before the field existed
/// (its body is sent again as first signed); the feed shows it on every event.
/// </param>
/// <param name="StreamId">
/// The store's stream the event was appended to. Its format is the store's, not the contract's: use <c>subject</c>.
/// </param>
/// <param name="OccurredAt">When the event was recorded (UTC): the instant of the change it records.</param>
/// <param name="Position">
/// The event's place in the global order, usable as <c>minPosition</c>: two integers, its transaction's then its own,
/// written <c>{transaction}.{event}</c> and compared as a pair, the first first (not a decimal number: 894.100 comes after 894.99).
/// </param>
/// <param name="Data">
/// The event's fields, as stored, except personal data (contact details read <c>{"status": "withheld"}</c>)
/// and, for partners, the company that recorded a need. The fields of each type are the schema that
/// <c>x-event-data</c> names (<c>booking.requested</c> → <c>BookingRequested</c>).
/// </param>
public sealed record EventResponse(Guid Id, string Type, [property: AddedLater] EventSubject Subject, string StreamId, DateTimeOffset OccurredAt, [property: RegularExpression(ReadYourWrites.PositionPattern)] string Position, JsonElement Data)
{

    /// <param name="reader">Who reads it: the operator and every other kind read the same, except partners.</param>
    public static EventResponse From(Guid id, string type, string streamId, DateTimeOffset occurredAt, FeedPosition position, string json, OrganizationKind reader) =>
        new(id, type, EventSubject.Of(streamId), streamId, occurredAt.ToUniversalTime(), position.ToString(), Shown(json, WithholdsRequester(reader, streamId)));

    /// <summary>
    /// Partners read the demand of their territories without learning which company asked (as
    /// <c>GET /v1/needs</c> answers them): events of a need reach them without <c>companyId</c>.
    /// </summary>
    public static bool WithholdsRequester(OrganizationKind reader, string streamId) =>
        reader == OrganizationKind.Partner && streamId.StartsWith(Need.StreamType + "-", StringComparison.Ordinal);

    /// <summary>
    /// Sealed contact details (<see cref="SealedContact"/>) never leave in the feed or a webhook, not even as
    /// ciphertext: a leaked master key must not open copies kept by receivers. Readers get them from the booking.
    /// </summary>
    private static JsonElement Shown(string json, bool withoutRequester)
    {
        if (!withoutRequester && !json.Contains("\"ciphertext\"", StringComparison.Ordinal))
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        var data = JsonNode.Parse(json)!.AsObject();
        foreach (var (name, value) in data.ToList())
        {
            if (value is JsonObject field && field.ContainsKey("keyId") && field.ContainsKey("ciphertext"))
                data[name] = new JsonObject { ["status"] = "withheld" };
        }
        if (withoutRequester) data.Remove("companyId");
        return JsonSerializer.SerializeToElement(data);
    }
}

/// <summary>A page of the change feed; <see cref="Next"/> is always set: store it and pass it as <c>after</c>.</summary>
/// <param name="Data">The caller's visible events after the cursor, in the feed's order (oldest first); empty when none came yet.</param>
/// <param name="Next">
/// The cursor after this page's last event (the cursor you sent, when the page is empty; with <c>types</c>, past the events the page
/// scanned, which may be further): store it and pass it as <c>after</c> to go on.
/// </param>
public sealed record EventPage(IReadOnlyList<EventResponse> Data, string Next);

/// <summary>The feed's opaque cursor: base64url of a feed position <c>(xid, position)</c>.</summary>
public static class FeedCursor
{
    private const string Version = "f1:";

    public static string Encode(FeedPosition position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Version + position));

    public static bool TryDecode(string? text, out FeedPosition position)
    {
        position = FeedPosition.Start;
        if (string.IsNullOrEmpty(text) || text.Length > 100) return false;
        try
        {
            var raw = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
            return raw.StartsWith(Version, StringComparison.Ordinal) && FeedPosition.TryParse(raw[Version.Length..], out position);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

public static class ListEventsEndpoint
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 500;

    /// <summary>With <c>types</c>, a page scans at most this many of the caller's events per event it may hold, and at most <see cref="MaxScanned"/>.</summary>
    public const int ScannedPerEvent = 10;

    /// <summary>What one filtered page may cost at most, whatever its limit: about four unfiltered pages of the largest size.</summary>
    public const int MaxScanned = 2_000;

    private const string TypesDescription =
        "Only events of these types, comma-separated: exact names (booking.confirmed), a stream's events (booking.*) or all (*), " +
        "as a webhook's eventTypes; an entry that matches no event the caller can read is refused (400 naming it, with the types it reads). " +
        "A page then scans at most 10 × limit of the caller's events after 'after' (at most 2,000): it may hold fewer than limit events, even none, " +
        "while 'next' moves on past those scanned. Keep following 'next': nothing is skipped or repeated.";

    /// <summary>The <c>after</c> that starts from the feed's current end.</summary>
    public const string Now = "now";

    public static void MapListEvents(this IEndpointRouteBuilder v1) =>
        v1.MapGet("/events", Handle)
            .WithTags("Change feed")
            .WithName("listEvents")
            .WithSummary("Read the change feed")
            .WithDescription(
                "The events the caller may see, oldest first, in the one global order of the store. Start without 'after' (or with after=now, " +
                "to skip the history: read the lists with minPosition set to its Services-Position header, then follow the feed from its 'next'), then always pass " +
                "the 'next' of the previous answer: 'next' is set even when the page is empty (without 'types', it is then the cursor you sent), so an " +
                "integrator that stores it never misses nor repeats an event. With 'types', a page may hold fewer than limit events, even none, " +
                "while 'next' moves on: keep following 'next'. Visibility: offer and slot schedule events are public; " +
                "seat and waitlist events go to the offer's club and providers, and those naming a company (seat reserved, waitlist joined) to it too: a company follows its bookings by their booking events; subscription events to the " +
                "company and the club; booking events to the company, the club and the providers; need events to the company and the " +
                "clubs and partners of the need's territory; organization events to the organization itself; beneficiary.erased to the " +
                "company and the clubs and providers (also those listed once and removed since) of the offers it booked the beneficiary on with contact details; the operator sees all. " +
                "Personal data never appears here: a booking's contact details read {\"status\": \"withheld\"} (read the booking). " +
                "Read model 'feed': it lags the writes by the projection lag; pass minPosition (a Services-Position header) to read your writes.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .AddOpenApiOperationTransformer((operation, context, _) =>
            {
                if (operation.Responses?.TryGetValue("200", out var found) == true && found is OpenApiResponse page)
                    (page.Headers ??= new Dictionary<string, IOpenApiHeader>())[Writes.PositionHeader] = new OpenApiHeader
                    {
                        Description = "With after=now only: the feed's end as a position, to pass as minPosition to the lists read next.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = ReadYourWrites.PositionPattern },
                    };
                return Task.CompletedTask;
            });

    private static async Task<Results<Ok<EventPage>, ValidationProblem, ProblemHttpResult>> Handle(
        [Description("The 'next' cursor of the previous answer; omit to start from the first event, or 'now' to start from the feed's current end (an integration that does not need the history; the answer's Services-Position header is then that end, to pass as minPosition to the lists read next).")] string? after,
        [Description("Page size, 1 to 500 (default 100)."), Range(1, MaxLimit), DefaultValue(DefaultLimit)] int? limit,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        [Description(TypesDescription)] string? types,
        Caller caller,
        NpgsqlDataSource db,
        EventStore.EventStore store,
        ProjectionDaemon daemon,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = new Validation();
        var pageSize = limit ?? DefaultLimit;
        validation.Range("limit", pageSize, 1, MaxLimit);
        var cursor = FeedPosition.Start;
        if (after is not (null or Now) && !FeedCursor.TryDecode(after, out cursor))
            validation.Add("after", "Not a cursor of the change feed: pass the 'next' value of the previous answer.");
        var wanted = FeedTypeFilter.Parse(types, new ReceivableEventTypes(store.Registry, caller.Kind), validation);
        if (await ReadYourWrites.CheckAndWaitAsync(validation, minPosition, daemon, FeedRegistration.FeedShard, http.Response, cancellationToken) is { } unready) return unready;
        if (after is Now)
        {
            // The newest event a reader can see: every later commit comes after it, whatever the feed's
            // shard has applied (it may lag, or be rebuilding). Lists read with it as minPosition hold
            // everything before it, so a copy of them followed by the feed from here misses nothing.
            cursor = await store.ReadHeadAsync(cancellationToken);
            http.Response.Headers[Writes.PositionHeader] = cursor.ToString();
        }

        var keys = caller.IsOperator ? null : await KeysAsync(caller, store, cancellationToken);
        var scan = wanted is null ? pageSize : Math.Min(pageSize * ScannedPerEvent, MaxScanned);
        var (items, scanned) = await ReadAsync(db, caller.Kind, keys, cursor, pageSize, scan, wanted, cancellationToken);
        // A full page ends at its last event (those scanned after it are read again next time); a short one
        // ends where the scan did: none of the events it passed over was wanted.
        var next = items.Count == pageSize ? items[^1].Position : scanned ?? cursor;
        return TypedResults.Ok(new EventPage([.. items.Select(i => i.Event)], FeedCursor.Encode(next)));
    }

    internal static async Task<IReadOnlyList<string>> KeysAsync(Caller caller, EventStore.EventStore store, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> territories = [];
        if (caller.Kind is OrganizationKind.Club or OrganizationKind.Partner
            && (await store.LoadAsync(Organization.Stream(caller.OrganizationId), cancellationToken)).State is { } organization)
        {
            territories = organization.Territories;
        }
        return EventAudience.KeysOf(caller, territories);
    }

    // The operator reads the store's feed itself, under the store's own rule.
    private const string OperatorScan = $"""
        with scanned as (
            select transaction_id, global_position, event_type from es_events
            where (transaction_id, global_position) > ($1, $2)
              and {FeedQuery.Finished}
            order by transaction_id, global_position
            limit $4),
        """;

    // One snapshot, so the positions read are a prefix of the feed (see FeedProjection). A row is a
    // run of one transaction's positions; the rows of one audience never overlap. Per audience key
    // (one index range each), its first 'scan' rows holding a position after the cursor: the
    // events of a row left out come after 'scan' events of that audience alone, so none of them is
    // among the first 'scan'. An event seen through two keys is listed once.
    private const string AudienceScan = """
        with visible as (
            select distinct r.transaction_id, p.global_position
            from unnest($6::text[]) a(audience)
            cross join lateral (
                select f.transaction_id, f.positions from rm_feed f
                where f.audience = a.audience and f.transaction_id >= $1
                  and (f.transaction_id, f.positions[cardinality(f.positions)]) > ($1, $2)
                order by f.transaction_id, f.first_position
                limit $4) r
            cross join unnest(r.positions) p(global_position)
            where (r.transaction_id, p.global_position) > ($1, $2)
            order by r.transaction_id, p.global_position
            limit $4),
        scanned as (
            select e.transaction_id, e.global_position, e.event_type from visible v
            join es_events e on e.transaction_id = v.transaction_id and e.global_position = v.global_position),
        """;

    // The wanted events among those scanned, then a row without an event: where the scan ended.
    private const string Kept = """
        kept as (
            select transaction_id, global_position from scanned
            where $5::text[] is null or event_type = any($5)
            order by transaction_id, global_position
            limit $3)
        select e.transaction_id, e.global_position, e.event_id, e.stream_id, e.event_type, e.data::text, e.created_at
        from kept k
        join es_events e on e.transaction_id = k.transaction_id and e.global_position = k.global_position
        union all
        (select transaction_id, global_position, null, null, null, null, null from scanned
         order by transaction_id desc, global_position desc
         limit 1)
        order by 1, 2, 3 nulls last
        """;

    /// <summary>
    /// The first <paramref name="limit"/> events of the <paramref name="wanted"/> types (null: any) among the caller's first
    /// <paramref name="scan"/> after the cursor, and the last of those scanned (null when none came yet).
    /// </summary>
    /// <param name="keys">The caller's audience keys; null for the operator, who reads every event.</param>
    private static async Task<(List<(FeedPosition Position, EventResponse Event)> Items, FeedPosition? Scanned)> ReadAsync(
        NpgsqlDataSource db, OrganizationKind reader, IReadOnlyList<string>? keys, FeedPosition after, int limit, int scan, string[]? wanted,
        CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand((keys is null ? OperatorScan : AudienceScan) + Kept);
        command.Parameters.Add(new NpgsqlParameter { Value = after.TransactionId, NpgsqlDbType = NpgsqlDbType.Xid8 });
        command.Parameters.Add(new NpgsqlParameter { Value = after.GlobalPosition });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        command.Parameters.Add(new NpgsqlParameter { Value = scan });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)wanted ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        if (keys is not null) command.Parameters.Add(new NpgsqlParameter { Value = keys.ToArray() });
        var items = new List<(FeedPosition, EventResponse)>();
        FeedPosition? scanned = null;
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
        {
            var position = new FeedPosition(rows.GetFieldValue<ulong>(0), rows.GetInt64(1));
            if (rows.IsDBNull(2)) scanned = position;
            else items.Add((position, EventResponse.From(rows.GetGuid(2), rows.GetString(4), rows.GetString(3), rows.GetFieldValue<DateTimeOffset>(6), position, rows.GetString(5), reader)));
        }
        return (items, scanned);
    }
}
