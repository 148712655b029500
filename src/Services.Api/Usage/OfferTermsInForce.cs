using Services.Api.Demand;

namespace Services.Api.Usage;

/// <summary>
/// The one rule for which terms of an offer apply at an instant, shared by the statements (fees, co-funding partner)
/// and the deliveries (providers): the latest set at or before it; for an instant before the offer's first terms,
/// those first terms.
/// </summary>
internal static class OfferTermsInForce
{
    /// <summary>A subquery selecting <paramref name="columns"/> of the terms row (alias <c>t</c>) of <paramref name="offerId"/> in force at <paramref name="instant"/> (SQL expressions).</summary>
    public static string Select(string columns, string offerId, string instant) => $"""
        select {columns}
        from {InsightsProjection.Prefix}_offer_terms t
        where t.offer_id = {offerId}
        order by t.valid_from <= {instant} desc,
                 case when t.valid_from <= {instant} then t.version end desc nulls last,
                 t.version
        limit 1
        """;
}
