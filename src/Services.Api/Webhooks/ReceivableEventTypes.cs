using Services.Api.Common;
using Services.Api.Feed;
using Services.EventStore;

namespace Services.Api.Webhooks;

/// <summary>
/// The event names that can reach an organization of one kind, as <see cref="EventAudience"/> decides for the change feed
/// and the outbox: a webhook that asks only for others would never get a delivery.
/// </summary>
internal sealed class ReceivableEventTypes
{
    private readonly EventTypeRegistry _registry;
    private readonly HashSet<string> _names;

    public ReceivableEventTypes(EventTypeRegistry registry, OrganizationKind kind)
    {
        _registry = registry;
        _names = registry.Names.Where(name => registry.TryGetType(name, out var type) && EventAudience.CanReach(type, kind)).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>As the outbox matches a webhook's types: <c>*</c>, an exact name, or a stream's events (<c>booking.*</c>).</summary>
    public static bool Matches(string pattern, string name) =>
        pattern == "*" || pattern == name || (pattern is { Length: > 2 } && pattern.EndsWith(".*", StringComparison.Ordinal) && name.StartsWith(pattern[..^1], StringComparison.Ordinal));

    public bool AnyMatches(string pattern) => _names.Any(name => Matches(pattern, name));

    /// <summary>The names, a stream's as <c>stream.*</c> when all of its events can reach the kind.</summary>
    public string Describe() => string.Join(", ", _names
        .GroupBy(Stream, StringComparer.Ordinal)
        .SelectMany(stream => stream.Count() == _registry.Names.Count(name => Stream(name) == stream.Key) ? [stream.Key + ".*"] : stream.AsEnumerable())
        .Order(StringComparer.Ordinal));

    private static string Stream(string name) => name.Split('.')[0];
}
