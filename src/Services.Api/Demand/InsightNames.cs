using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Security;

namespace Services.Api.Demand;

/// <summary>Parsing of the query parameters shared by the demand, usage, deliveries, indicators and territories reads.</summary>
public static class InsightNames
{
    public static Category CategoryOf(string wireName) =>
        ReadModelValues.Parse<Category>(wireName) ?? throw new InvalidOperationException($"Unknown category '{wireName}' in a read model.");

    /// <summary>
    /// The years a period may name: what these read models can hold, with room on both sides. Beyond
    /// them the period's end, or its ISO week, would not be a date at all.
    /// </summary>
    public const int FirstYear = 2000, LastYear = 2999;

    public static bool IsWithinYears(DateOnly day) => day.Year is >= FirstYear and <= LastYear;

    /// <summary>What <see cref="TryMonth"/> takes, for the API document.</summary>
    public const string MonthPattern = "^2[0-9]{3}-(0[1-9]|1[0-2])$";

    /// <summary>What <see cref="TryQuarter"/> takes, for the API document.</summary>
    public const string QuarterPattern = "^2[0-9]{3}-Q[1-4]$";

    /// <summary>What a 400 says of a month given that <see cref="TryMonth"/> does not take.</summary>
    public static readonly string NotAMonth = $"A month is YYYY-MM, e.g. 2026-03, of the years {FirstYear} to {LastYear}.";

    /// <summary>A month <c>YYYY-MM</c>, as its first day.</summary>
    public static bool TryMonth([NotNullWhen(true)] string? text, out DateOnly firstDay) =>
        DateOnly.TryParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out firstDay) && text!.Length == 7 && IsWithinYears(firstDay);

    /// <summary>A quarter <c>YYYY-Qn</c>, as its first day.</summary>
    public static bool TryQuarter([NotNullWhen(true)] string? text, out DateOnly firstDay)
    {
        firstDay = default;
        if (text is not { Length: 7 } || text[4] != '-' || text[5] != 'Q' || text[6] is < '1' or > '4') return false;
        if (!int.TryParse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture, out var year) || year is < FirstYear or > LastYear) return false;
        firstDay = new DateOnly(year, (text[6] - '1') * 3 + 1, 1);
        return true;
    }

    /// <summary>The ISO 8601 week of a date, <c>2026-W47</c>.</summary>
    public static string IsoWeek(DateOnly day)
    {
        var date = day.ToDateTime(TimeOnly.MinValue);
        return string.Create(CultureInfo.InvariantCulture, $"{ISOWeek.GetYear(date)}-W{ISOWeek.GetWeekOfYear(date):00}");
    }

    /// <summary>The Monday of the ISO week of <paramref name="day"/>.</summary>
    public static DateOnly WeekStart(DateOnly day) => day.AddDays(-(((int)day.DayOfWeek + 6) % 7));
}

/// <summary>Helpers of the demand, usage, deliveries, indicators and territories endpoints.</summary>
public static class InsightReads
{
    /// <summary>The territories of the caller's organization; null for the operator, who sees every territory.</summary>
    public static async Task<IReadOnlyList<string>?> TerritoriesOfAsync(EventStore.EventStore store, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        if (caller.IsOperator) return null;
        var organization = await store.LoadAsync(Organization.Stream(caller.OrganizationId), cancellationToken);
        return organization.State?.Territories ?? [];
    }

    /// <summary>A rate such as the fill rate, 0..1 to 4 decimals; null when there is nothing to divide by.</summary>
    public static double? Ratio(long numerator, long denominator) =>
        denominator <= 0 ? null : Math.Round(Math.Min(1.0, (double)numerator / denominator), 4);
}
