using Npgsql;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.ReadModels;

namespace Services.Api.Organizations;

/// <summary>A current membership seen from one side: the club's or the company's id on the other side, and since when.</summary>
public sealed record MembershipRow(string OtherId, DateTimeOffset Since);

/// <summary>
/// The current memberships of one club or one company, newest admission first, a page at a time, from the
/// insights read model (both sides are indexed: the primary key leads with the club, an index with the company).
/// </summary>
public static class MembershipRows
{
    public enum Side { Club, Company }

    /// <summary>Up to <paramref name="limit"/> rows after <paramref name="cursor"/> (admission time, then the other side's id).</summary>
    public static async Task<List<MembershipRow>> ReadAsync(NpgsqlDataSource db, Side side, string id, PageCursor? cursor, int limit, CancellationToken cancellationToken)
    {
        var (column, other) = side == Side.Club ? ("club_id", "company_id") : ("company_id", "club_id");
        var filters = new QueryFilters(id, limit);
        if (cursor is { } k) filters.And($"(admitted_at, {other}) < ({filters.Parameter(ReadModelValues.Utc(k.At))}, {filters.Parameter(k.Id)})");
        var rows = new List<MembershipRow>();
        await using var command = ReadModelSql.Command(db, $"""
            select {other}, admitted_at from {InsightsProjection.Prefix}_memberships
            where {column} = $1 and removed_at is null{filters.Conditions}
            order by admitted_at desc, {other} desc
            limit $2
            """, filters.Values);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) rows.Add(new MembershipRow(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1)));
        return rows;
    }
}
