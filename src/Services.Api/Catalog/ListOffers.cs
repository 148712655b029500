using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Offers;
using Services.Api.ReadModels;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Catalog;

public static class ListOffersEndpoint
{
    public static void MapListOffers(this IEndpointRouteBuilder offers) =>
        offers.MapGet("", Handle)
            .WithName("listOffers")
            .WithSummary("List the catalog of offers")
            .WithDescription(
                "Offers are public: any organization may list them, newest published first, with cursor pagination (limit, after → next). " +
                "Filters: category, territory (offers serving it), clubId (the offers of that club), providerId (offers naming that provider among their providers: the offers it delivers; " +
                "an offer's providers are public like the rest of it, so any organization may ask about any provider), status (default active), and from/to (instants): when either is given, only " +
                "offers with at least one scheduled slot with units not reserved (capacity above reserved) starting in [from, to) are listed; from defaults " +
                "to now, to to no bound. For an active offer these are the slots with room to book (remaining > 0); a suspended or withdrawn offer's slots " +
                "show remaining 0 in availability, as none can be booked, yet are weighed the same way, by the units they would have. " +
                "Read model 'catalog': eventually consistent; pass minPosition to read your writes.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<Page<OfferResponse>>, ValidationProblem, ProblemHttpResult>> Handle(
        [Description("Only offers of this category."), OneOf(typeof(Category))] string? category,
        [Description("Only offers serving this territory."), RegularExpression(Validation.TerritoryPattern)] string? territory,
        [Description("With to: only offers with a scheduled slot with units not reserved (capacity above reserved) starting at or after this instant (default now when to is given).")] DateTimeOffset? from,
        [Description("Only offers with a scheduled slot with units not reserved (capacity above reserved) starting before this instant.")] DateTimeOffset? to,
        [Description("Only offers this provider delivers (naming it among their providerIds)."), Id(Ids.Organization)] string? providerId,
        [Description("Only offers of this club (a club lists its own with its id)."), Id(Ids.Organization)] string? clubId,
        [Description("active (default), suspended or withdrawn."), OneOf(typeof(OfferStatus)), DefaultValue("active")] string? status,
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        [Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)] string? minPosition,
        NpgsqlDataSource db,
        ProjectionDaemon daemon,
        TimeProvider time,
        HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.Offer, out var pageSize, out var cursor).InstantsInQuery(http.Request, "from", "to");
        var categoryFilter = validation.Filter<Category>("category", category);
        var statusFilter = validation.Filter<OfferStatus>("status", status) ?? OfferStatus.Active;
        if (territory is not null) validation.Territory("territory", territory);
        validation.Id("providerId", providerId, Ids.Organization, required: false).Id("clubId", clubId, Ids.Organization, required: false);
        var bySlots = from is not null || to is not null;
        var since = from ?? time.GetUtcNow();
        validation.After(since, to, "Must be after from (or after now when from is not given).");
        if (await ReadYourWrites.CheckAndWaitAsync(validation, minPosition, daemon, CatalogReadModels.CatalogShard, http.Response, cancellationToken) is { } unready) return unready;

        var filters = new QueryFilters(Wire(statusFilter), pageSize + 1);
        if (categoryFilter is { } c) filters.And($"o.category = {filters.Parameter(Wire(c))}");
        if (territory is not null) filters.And($"o.territories @> array[{filters.Parameter(territory)}::text]");
        if (providerId is not null) filters.And($"o.provider_ids @> array[{filters.Parameter(providerId)}::text]");
        if (clubId is not null) filters.And($"o.club_id = {filters.Parameter(clubId)}");
        if (bySlots)
        {
            var starting = $"s.start_at >= {filters.Parameter(Utc(since))}" + (to is { } e ? $" and s.start_at < {filters.Parameter(Utc(e))}" : "");
            filters.And($"""
                exists (
                    select 1 from rm_catalog_slots s
                    where s.offer_id = o.offer_id and s.status = 'scheduled' and s.capacity > s.reserved and {starting})
                """);
        }
        if (cursor is { } k) filters.And($"(o.published_at, o.offer_id) < ({filters.Parameter(Utc(k.At))}, {filters.Parameter(k.Id)})");
        await using var command = ReadModelSql.Command(db, $"""
            select offer_id, club_id, category, title, description, territories, time_zone, monthly_fee_amount, monthly_fee_currency,
                   unit_price_amount, unit_price_currency, co_funding_partner_id, co_funding_share_basis_points, provider_ids, status, published_at
            from rm_catalog_offers o
            where o.status = $1{filters.Conditions}
            order by o.published_at desc, o.offer_id desc
            limit $2
            """, filters.Values);
        var rows = new List<(OfferResponse Offer, DateTimeOffset PublishedAt)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var partner = reader.NullableString(11);
                rows.Add((new OfferResponse(
                    reader.GetString(0), reader.GetString(1), Parse<Category>(reader.GetString(2))!.Value, reader.GetString(3), reader.GetString(4),
                    reader.GetFieldValue<string[]>(5), reader.GetString(6),
                    new Money(reader.GetInt64(7), reader.GetString(8)), new Money(reader.GetInt64(9), reader.GetString(10)),
                    partner is null ? null : new CoFunding(partner, reader.GetInt32(12)),
                    reader.GetFieldValue<string[]>(13), Parse<OfferStatus>(reader.GetString(14))!.Value), reader.GetFieldValue<DateTimeOffset>(15)));
            }
        }
        var page = PageCursor.ToPage(rows, pageSize, r => new PageCursor(r.PublishedAt, r.Offer.Id));
        return TypedResults.Ok(new Page<OfferResponse>([.. page.Data.Select(r => r.Offer)], page.Next));
    }
}
