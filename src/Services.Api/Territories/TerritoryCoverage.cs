using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;

namespace Services.Api.Territories;

/// <summary>
/// The territories a club or a partner belongs to: only there does anyone but the company see a need (clubs and partners
/// see the needs of their territories), and only there may an offer serve or a company or provider be registered (elsewhere it
/// is a typo no company filters by, or a territory no club serves). A club's or partner's registration claims them in its own transaction
/// (<c>covered_territories</c>), so the rule holds the moment the registration is acknowledged, whatever a read model's
/// lag or rebuild; a territory only ever gains coverage (an organization keeps its kind and territories).
/// </summary>
public static class TerritoryCoverage
{
    public const string NotCoveredCode = "territory_not_covered";

    /// <summary>Up to this many covered territories, the refusal lists them all; beyond, the nearest ones.</summary>
    public const int ListedInFull = 10;

    public const int NearestListed = 5;

    /// <summary>Whether an organization of this kind makes its territories covered.</summary>
    public static bool Covers(OrganizationKind kind) => kind is OrganizationKind.Club or OrganizationKind.Partner;

    /// <summary>Why a need is refused where no club or partner is.</summary>
    public const string UnseenNeed = "no one would see this need";

    /// <summary>Why an offer is refused there: the companies of a territory find offers by their own, which a typo is not.</summary>
    public const string UnfoundOffer = "no company looking for offers in its own territory would find this offer there";

    /// <summary>Why a company or a provider is refused there: clubs and partners open a territory, the others join one.</summary>
    public const string UnservedOrganization = "a company or provider registered there would have no club or partner to work with";

    /// <summary>
    /// Null when every one of <paramref name="territories"/> is covered; else the refusal naming the first that is not,
    /// saying that <paramref name="why"/> (<see cref="UnseenNeed"/>, <see cref="UnfoundOffer"/>, <see cref="UnservedOrganization"/>).
    /// </summary>
    public static async Task<Refusal?> UncoveredAsync(IEnumerable<string> territories, string why, NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        const string firstUncovered = """
            select code from unnest($1::text[]) with ordinality as given(code, rank)
            where not exists (select from covered_territories where territory = given.code)
            order by rank limit 1
            """;
        // One parameter, the array: not the params array of the territories.
        await using var command = ReadModelSql.Command(db, firstUncovered, (object)territories.ToArray());
        return await command.ExecuteScalarAsync(cancellationToken) is string uncovered
            ? NotCovered(uncovered, await CoveredAsync(db, cancellationToken), why)
            : null;
    }

    /// <summary>The refusal of <paramref name="territory"/>, naming the <paramref name="covered"/> territories a typo most likely meant.</summary>
    public static Refusal NotCovered(string territory, IReadOnlyList<string> covered, string why)
    {
        ArgumentNullException.ThrowIfNull(covered);
        var listed = covered.Count <= ListedInFull
            ? covered
            : [.. covered.OrderBy(code => EditDistance(territory, code)).ThenBy(code => code, StringComparer.Ordinal).Take(NearestListed)];
        var detail = $"No club or partner belongs to territory '{territory}', so {why}. " + (covered.Count switch
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

    private static async Task<IReadOnlyList<string>> CoveredAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(db, """select territory from covered_territories order by territory collate "C" """);
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
