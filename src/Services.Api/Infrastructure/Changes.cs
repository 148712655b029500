using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.EventStore;

namespace Services.Api.Infrastructure;

/// <summary>How a command on existing streams ended; mapped to HTTP in one place.</summary>
public sealed record Change<TState>
{
    private Change() { }

    public TState? State { get; private init; }
    public long Version { get; private init; }
    public FeedPosition? Position { get; private init; }
    public Refusal? Refusal { get; private init; }
    public long? CurrentVersion { get; private init; }
    public string? Missing { get; private init; }

    public static Change<TState> Done(TState state, long version, FeedPosition? position) => new() { State = state, Version = version, Position = position };
    public static Change<TState> Refused(Refusal refusal) => new() { Refusal = refusal };
    public static Change<TState> Stale(long currentVersion) => new() { CurrentVersion = currentVersion };
    public static Change<TState> NotFound(string what) => new() { Missing = what };

    /// <summary>
    /// A change that appended nothing (the resource already was as asked) answers with the position of
    /// the event that made the stream what it is, so that its caller can still wait for read models to show it.
    /// </summary>
    public async Task<Change<TState>> PositionedAsync(EventStore.EventStore store, string streamId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (Missing is not null || Refusal is not null || CurrentVersion is not null || Position is not null) return this;
        return this with { Position = await store.PositionOfAsync(streamId, Version, cancellationToken) };
    }

    /// <summary>
    /// 404 when the resource is unknown or not the caller's to see, 412 when If-Match is stale,
    /// 409 for a broken rule; otherwise sets ETag and position headers and answers <paramref name="ok"/>.
    /// </summary>
    public Results<TOk, ValidationProblem, ProblemHttpResult> ToHttp<TOk>(HttpResponse response, Func<TState, TOk> ok) where TOk : IResult
    {
        if (Missing is not null) return Problems.NotFound(Missing);
        if (CurrentVersion is { } current) return Problems.StaleVersion(current);
        if (Refusal is not null) return Problems.Refused(Refusal);
        Writes.Answered(response, Version, Position);
        return ok(State!);
    }
}

public static class Changes
{
    /// <summary>
    /// Load one stream, check the caller may see it and If-Match, decide, append with the loaded
    /// version (and the rows <paramref name="alongside"/> makes, in the same transaction); retried
    /// from the load when another writer got there first.
    /// </summary>
    public static async Task<Change<TState>> ChangeAsync<TState>(
        this CommandRunner runner,
        EventStore.EventStore store,
        StreamRef<TState> stream,
        string what,
        Func<TState, bool> visible,
        IfMatch ifMatch,
        Func<TState, Decision<IReadOnlyList<object>>> decide,
        EventMetadata metadata,
        CancellationToken cancellationToken,
        Func<TState, IEnumerable<NpgsqlBatchCommand>>? alongside = null) where TState : class
    {
        var change = await runner.RunAsync([stream.Id], async ct =>
        {
            var loaded = await store.LoadAsync(stream, ct);
            if (loaded.State is null || !visible(loaded.State)) return Change<TState>.NotFound(what);
            if (!ifMatch.Allows(loaded.Version)) return Change<TState>.Stale(loaded.Version);
            var decision = decide(loaded.State);
            if (decision.Refusal is { } refusal) return Change<TState>.Refused(refusal);
            // A command that changes nothing (renaming to the same name) appends nothing.
            if (decision.Events!.Count == 0) return Change<TState>.Done(loaded.State, loaded.Version, null);
            var result = await store.AppendAsync([loaded.Append(stream.Id, stream.Type, decision.Events)], metadata,
                alongside is null ? null : () => alongside(loaded.State), ct);
            return Change<TState>.Done(stream.Fold(loaded.State, decision.Events)!, result.VersionOf(stream.Id), result.LastPosition);
        }, cancellationToken);
        return await change.PositionedAsync(store, stream.Id, cancellationToken);
    }
}

/// <summary>A stream's id, type and Evolve, so helpers can load and fold it.</summary>
public sealed record StreamRef<TState>(string Id, string Type, Func<TState?, object, TState?> Evolve) where TState : class
{
    public TState? Fold(TState? state, IEnumerable<object> events) => events.Aggregate(state, Evolve);
}
