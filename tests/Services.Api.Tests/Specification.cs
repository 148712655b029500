using System.Text.Json;
using Services.Api.Common;
using Services.Api.Infrastructure;

namespace Services.Api.Tests;

/// <summary>
/// Given events (folded with the stream's Evolve), when a decider runs, then these events or this
/// refusal. Events are compared by type and stored JSON: that is what reaches the store, and it
/// compares the lists inside events by content, which record equality does not.
/// </summary>
public static class Specification
{
    private static readonly JsonSerializerOptions EventJson = Json.ForEvents();

    /// <summary>When decisions are taken, unless a test says otherwise.</summary>
    public static readonly DateTimeOffset Now = new(2025, 3, 10, 9, 0, 0, TimeSpan.Zero);

    public static TState? Given<TState>(Func<TState?, object, TState?> evolve, params object[] events) where TState : class =>
        events.Aggregate(default(TState), evolve);

    public static void Then(this Decision<IReadOnlyList<object>> decision, params object[] expected) =>
        decision.ThenAccepted().ShouldBeEvents(expected);

    public static T ThenAccepted<T>(this Decision<T> decision)
    {
        decision.Refusal.ShouldBeNull($"the decision was refused: {decision.Refusal}");
        return decision.Events!;
    }

    public static Refusal ThenRefused<T>(this Decision<T> decision, string code)
    {
        decision.Refusal.ShouldNotBeNull($"the decision was accepted with {Describe(decision.Events as IEnumerable<object> ?? [])}");
        decision.Refusal.Code.ShouldBe(code, decision.Refusal.Detail);
        return decision.Refusal;
    }

    public static void ShouldBeEvents(this IEnumerable<object> actual, params object[] expected) =>
        Describe(actual).ShouldBe(Describe(expected));

    /// <summary>Events per stream key (a booking or subscription id), in any key order.</summary>
    public static void ShouldBeEvents(this IReadOnlyDictionary<string, IReadOnlyList<object>> actual, params (string Key, object[] Events)[] expected) =>
        actual.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {string.Join(", ", Describe(p.Value))}")
            .ShouldBe(expected.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}: {string.Join(", ", Describe(p.Events))}"));

    private static string[] Describe(IEnumerable<object> events) =>
        [.. events.Select(e => $"{e.GetType().Name} {JsonSerializer.Serialize(e, e.GetType(), EventJson)}")];
}
