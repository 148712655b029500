namespace Services.Api.Common;

/// <summary>
/// A broken business rule, as a value: the stable <see cref="Code"/> becomes the problem type and
/// the <see cref="Detail"/> tells the caller what to change. Answered as 409.
/// </summary>
public sealed record Refusal(string Code, string Detail)
{
    /// <summary>The figures the detail speaks of, as members of the problem, for a program to read rather than parse the prose.</summary>
    public IReadOnlyDictionary<string, object>? Facts { get; init; }
}

/// <summary>What a decider answers: the events to append, or why not.</summary>
public sealed record Decision<TEvents>
{
    private Decision(TEvents? events, Refusal? refusal) => (Events, Refusal) = (events, refusal);

    public TEvents? Events { get; }

    public Refusal? Refusal { get; }

    public static Decision<TEvents> Accept(TEvents events) => new(events, null);

    public static implicit operator Decision<TEvents>(Refusal refusal) => new(default, refusal);
}

/// <summary>Shorthands for single-stream deciders, whose events are a plain list.</summary>
public static class Decision
{
    public static Decision<IReadOnlyList<object>> Accept(params object[] events) => Decision<IReadOnlyList<object>>.Accept(events);

    public static Refusal Refuse(string code, string detail) => new(code, detail);
}
