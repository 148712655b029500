using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.EventStore.Projections;

namespace Services.Api.Territories;

/// <summary>
/// The territories a club or a partner belongs to: only there does anyone but the company see a need (clubs and partners
/// see the needs of their territories). Read from the insights read model, which may lag. A territory only ever gains
/// coverage (an organization keeps its kind and territories), so a territory the read model shows covered is covered;
/// one it does not show is refused only once the read model includes every write committed before the question, so
/// that a club registered a moment ago counts.
/// </summary>
public static class TerritoryCoverage
{
    public const string NotCoveredCode = "territory_not_covered";

    /// <summary>Up to this many covered territories, the refusal lists them all; beyond, the nearest ones.</summary>
    public const int ListedInFull = 10;

    public const int NearestListed = 5;

    /// <summary>Null when <paramref name="territory"/> is covered; else 409 <see cref="NotCoveredCode"/>, or 503 when the read model did not catch up in time.</summary>
    public static async Task<ProblemHttpResult?> RefuseUncoveredAsync(
        string territory, NpgsqlDataSource db, EventStore.EventStore store, ProjectionDaemon daemon, HttpResponse response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (await IsCoveredAsync(db, territory, cancellationToken)) return null;
        var committed = await store.ReadLastCommittedAsync(cancellationToken);
        if (await ReadYourWrites.WaitAsync(daemon, InsightsProjection.ShardName, committed, response, cancellationToken) is { } lagging) return lagging;
        if (await IsCoveredAsync(db, territory, cancellationToken)) return null;
        return Problems.Refused(NotCovered(territory, await CoveredAsync(db, cancellationToken)));
    }

    /// <summary>The refusal of a need in <paramref name="territory"/>, naming the <paramref name="covered"/> territories a typo most likely meant.</summary>
    public static Refusal NotCovered(string territory, IReadOnlyList<string> covered)
    {
        ArgumentNullException.ThrowIfNull(covered);
        var listed = covered.Count <= ListedInFull
            ? covered
            : [.. covered.OrderBy(code => EditDistance(territory, code)).ThenBy(code => code, StringComparer.Ordinal).Take(NearestListed)];
        var detail = $"No club or partner belongs to territory '{territory}', so no one would see this need. " + (covered.Count switch
        {
            0 => "No territory has a club or a partner yet.",
            <= ListedInFull => $"Territories with a club or a partner: {string.Join(", ", listed)}.",
            _ => $"The nearest territories with a club or a partner: {string.Join(", ", listed)} (listTerritories gives them all).",
        });
        return Decision.Refuse(NotCoveredCode, detail) with
        {
            Facts = new Dictionary<string, object> { ["territory"] = territory, ["coveredTerritories"] = listed },
        };
    }

    private static async Task<bool> IsCoveredAsync(NpgsqlDataSource db, string territory, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(db, $"""
            select exists (select 1 from {InsightsProjection.Prefix}_organizations where territories @> array[$1] and kind in ('club', 'partner'))
            """, territory);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<IReadOnlyList<string>> CoveredAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(db, $"""
            select distinct t.code collate "C" from {InsightsProjection.Prefix}_organizations o cross join lateral unnest(o.territories) as t(code)
            where o.kind in ('club', 'partner')
            order by 1
            """);
        var covered = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) covered.Add(reader.GetString(0));
        return covered;
    }

    /// <summary>Levenshtein distance: the letters to insert, delete or replace to turn one code into the other.</summary>
    private static int EditDistance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        var current = new int[b.Length + 1];
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
