using System.ComponentModel.DataAnnotations;

namespace Services.Api.Infrastructure;

/// <summary>Configuration section <c>EventStore</c>.</summary>
public sealed class EventStoreOptions
{
    public const string Section = "EventStore";

    /// <summary>Folded streams kept in memory (0: none): commands fold the streams they decide on, and a hot slot's stream grows with every booking.</summary>
    [Range(0, 1_000_000)]
    public int CachedAggregates { get; set; } = 20_000;
}
