using Services.Api.Common;
using Services.EventStore;

namespace Services.Api.Feed;

/// <summary>
/// The event names that can reach an organization of one kind, as <see cref="EventAudience"/> decides for the change feed
/// and the outbox: a webhook or a feed filter that asks only for others would never get an event.
/// </summary>
internal sealed class ReceivableEventTypes
{
    private readonly EventTypeRegistry _registry;
    private readonly OrganizationKind _kind;
    private readonly HashSet<string> _names;

    public ReceivableEventTypes(EventTypeRegistry registry, OrganizationKind kind)
    {
        _registry = registry;
        _kind = kind;
        _names = registry.Names.Where(name => registry.TryGetType(name, out var type) && EventAudience.CanReach(type, kind)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>As the outbox matches a webhook's types: <c>*</c>, an exact name, or a stream's events (<c>booking.*</c>).</summary>
    public static bool Matches(string pattern, string name) =>
        pattern == "*" || pattern == name || (pattern is { Length: > 2 } && pattern.EndsWith(".*", StringComparison.Ordinal) && name.StartsWith(pattern[..^1], StringComparison.Ordinal));

    /// <summary>Why <paramref name="pattern"/> selects no event this kind can receive; null when it selects some.</summary>
    public string? Refuse(string pattern)
    {
        if (!_registry.Names.Any(name => Matches(pattern, name)))
            return $"'{pattern}' is not an event type: use a name such as 'booking.confirmed', a stream's events such as 'booking.*', or '*'; a {WireName.Of(_kind)} receives {Describe()}.";
        return _names.Any(name => Matches(pattern, name))
            ? null
            : $"No '{pattern}' event ever reaches a {WireName.Of(_kind)}: it receives {Describe()}.";
    }

    /// <summary>The store's event names that one of <paramref name="patterns"/> matches.</summary>
    public string[] Selected(IReadOnlyCollection<string> patterns) => [.. _registry.Names.Where(name => patterns.Any(pattern => Matches(pattern, name)))];

    /// <summary>The names, a stream's as <c>stream.*</c> when all of its events can reach the kind.</summary>
    public string Describe() => string.Join(", ", _names
        .GroupBy(Stream, StringComparer.Ordinal)
        .SelectMany(stream => stream.Count() == _registry.Names.Count(name => Stream(name) == stream.Key) ? [stream.Key + ".*"] : stream.AsEnumerable())
        .Order(StringComparer.Ordinal));

    private static string Stream(string name) => name.Split('.')[0];
}
