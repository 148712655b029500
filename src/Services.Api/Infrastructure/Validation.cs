using System.Text.RegularExpressions;

namespace Services.Api.Infrastructure;

/// <summary>Collects field errors of a request; fields are named as in the JSON body (camelCase paths).</summary>
public sealed partial class Validation
{
    public const string TerritoryPattern = "^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])$";
    public const int MaxTerritories = 50;

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsValid => _errors.Count == 0;

    public IDictionary<string, string[]> Errors => _errors.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);

    public Validation Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var messages)) _errors[field] = messages = [];
        messages.Add(message);
        return this;
    }

    public Validation Text(string field, string? value, int maxLength, bool required = true)
    {
        if (value is null) return required ? Add(field, "This field is required.") : this;
        if (value.Length == 0) return required ? Add(field, "This field must not be blank.") : this;
        if (string.IsNullOrWhiteSpace(value)) return Add(field, "This field must not be blank.");
        if (value.Length > maxLength) return Add(field, $"At most {maxLength} characters; got {value.Length}.");
        return value.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t'))
            ? Add(field, "Control characters are not allowed.")
            : this;
    }

    /// <summary>
    /// Refuses <paramref name="to"/> at or before <paramref name="from"/>, unless either is refused already (an instant
    /// without its offset): their order tells nothing then.
    /// </summary>
    public Validation After(DateTimeOffset? from, DateTimeOffset? to, string message, string fromField = "from", string toField = "to") =>
        from is { } start && to is { } end && end <= start && !_errors.ContainsKey(fromField) && !_errors.ContainsKey(toField)
            ? Add(toField, message)
            : this;

    /// <summary>Instants in the query string need their offset too (see <see cref="UtcInstantConverter"/>).</summary>
    public Validation InstantsInQuery(HttpRequest request, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(request);
        foreach (var name in names)
        {
            if (request.Query.TryGetValue(name, out var values) && values.Any(value => value is not null && !UtcInstantConverter.HasOffset(value)))
                Add(name, UtcInstantConverter.OffsetRequired);
        }
        return this;
    }

    public Validation Range(string field, long value, long min, long max) =>
        value < min || value > max ? Add(field, $"Must be between {min} and {max}; got {value}.") : this;

    public Validation Territory(string field, string? value)
    {
        if (value is null) return Add(field, "This field is required.");
        return TerritorySlug().IsMatch(value) ? this : Add(field, "A territory is a lowercase slug of 2 to 64 characters (letters, digits, hyphens), e.g. 'grand-figeac'.");
    }

    public Validation Territories(string field, IReadOnlyList<string>? values)
    {
        if (values is null || values.Count == 0) return Add(field, "At least one territory is required.");
        if (values.Count > MaxTerritories) return Add(field, $"At most {MaxTerritories} territories; got {values.Count}.");
        for (var i = 0; i < values.Count; i++) Territory($"{field}[{i}]", values[i]);
        if (values.Where(value => value is not null).GroupBy(value => value, StringComparer.Ordinal).FirstOrDefault(same => same.Count() > 1) is { } twice)
            Add(field, $"Each territory once: '{twice.Key}' is listed {twice.Count()} times.");
        return this;
    }

    /// <summary>
    /// A request's list of 1 to <paramref name="max"/> <paramref name="noun"/>s, each named <c>field[i]</c>: <paramref name="item"/>
    /// checks one; one whose <paramref name="key"/> (null: none) an earlier one has gets <paramref name="repeated"/>(that one's index).
    /// </summary>
    public Validation Items<T, TKey>(string field, string noun, IReadOnlyList<T?>? items, int max, Action<string, T> item, Func<T, TKey?> key, Func<int, string> repeated)
        where T : class where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(repeated);
        if (items is null || items.Count == 0) return Add(field, $"At least one {noun} is required.");
        if (items.Count > max) return Add(field, $"At most {max} {noun}s per request; got {items.Count}.");
        var firstOf = new Dictionary<TKey, int>();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } one)
            {
                Add($"{field}[{i}]", "This field is required.");
                continue;
            }
            item($"{field}[{i}]", one);
            if (key(one) is not { } k) continue;
            if (firstOf.TryGetValue(k, out var first)) Add($"{field}[{i}]", repeated(first));
            else firstOf[k] = i;
        }
        return this;
    }

    public Validation Id(string field, string? value, string prefix, bool required = true)
    {
        if (value is null) return required ? Add(field, "This field is required.") : this;
        return Common.Ids.IsWellFormed(value, prefix) ? this : Add(field, $"Not a valid id: expected '{prefix}_' followed by 24 characters.");
    }

    [GeneratedRegex(TerritoryPattern)]
    private static partial Regex TerritorySlug();
}
