using Services.Api.Infrastructure;

namespace Services.Api.Feed;

/// <summary>The change feed's <c>types</c>: the entries a webhook's eventTypes take, comma-separated, checked alike.</summary>
internal static class FeedTypeFilter
{
    public const int MaxEntries = 50;

    /// <summary>The event names to keep, or null for every event; an entry that selects nothing the caller can read is refused.</summary>
    public static string[]? Parse(string? types, ReceivableEventTypes receivable, Validation validation)
    {
        if (types is null) return null;
        var patterns = types.Split(',', StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList();
        if (patterns.Count > MaxEntries)
        {
            validation.Add("types", $"At most {MaxEntries} event types; got {patterns.Count}.");
            return null;
        }
        foreach (var pattern in patterns)
        {
            if (receivable.Refuse(pattern) is { } why) validation.Add("types", why);
        }
        return patterns.Contains("*") ? null : receivable.Selected(patterns);
    }
}
