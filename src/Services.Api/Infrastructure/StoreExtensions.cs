using Services.EventStore;

namespace Services.Api.Infrastructure;

public static class StoreExtensions
{
    /// <summary>
    /// Folds a stream with a decider's Evolve; the state is null when the stream does not exist,
    /// including when an id from a request is too long to name any stream.
    /// </summary>
    public static Task<Aggregated<TState?>> LoadAsync<TState>(this EventStore.EventStore store, string streamId, Func<TState?, object, TState?> evolve, CancellationToken cancellationToken)
        where TState : class =>
        streamId.Length > EventStore.EventStore.MaxStreamIdLength
            ? Task.FromResult(new Aggregated<TState?>(null, 0))
            : store.AggregateStreamAsync(streamId, default(TState), evolve, cancellationToken);

    public static Task<Aggregated<TState?>> LoadAsync<TState>(this EventStore.EventStore store, StreamRef<TState> stream, CancellationToken cancellationToken)
        where TState : class =>
        store.LoadAsync(stream.Id, stream.Evolve, cancellationToken);

    /// <summary>The states of the streams of one type that exist among <paramref name="ids"/>, by id.</summary>
    public static Task<IReadOnlyDictionary<string, TState>> LoadManyAsync<TState>(
        this EventStore.EventStore store, IEnumerable<string> ids, Func<string, StreamRef<TState>> stream, CancellationToken cancellationToken)
        where TState : class =>
        CollectAsync(ids, async id => (await store.LoadAsync(stream(id), cancellationToken)).State);

    /// <summary>The states <paramref name="load"/> finds for <paramref name="ids"/> (each loaded once), by id.</summary>
    internal static async Task<IReadOnlyDictionary<string, TState>> CollectAsync<TState>(IEnumerable<string> ids, Func<string, Task<TState?>> load)
        where TState : class
    {
        var states = new Dictionary<string, TState>(StringComparer.Ordinal);
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (await load(id) is { } state) states[id] = state;
        }
        return states;
    }

    /// <summary>The stream's state for a decision, from the store's cache when it has it (see <see cref="LoadedStreams"/>).</summary>
    public static Task<FetchedStream<TState?>> FetchForWritingAsync<TState>(this EventStore.EventStore store, StreamRef<TState> stream, CancellationToken cancellationToken)
        where TState : class =>
        stream.Id.Length > EventStore.EventStore.MaxStreamIdLength
            ? Task.FromResult(new FetchedStream<TState?>(null, 0, ExpectedVersion.NoStream))
            : store.FetchForWritingAsync(stream.Id, default(TState), stream.Evolve, cancellationToken);

    /// <summary>Events for a stream, expected at the version they were decided on (0: the stream must not exist yet).</summary>
    public static StreamAppend Append<TState>(this Aggregated<TState> loaded, string streamId, string streamType, IReadOnlyList<object> events) =>
        new(streamId, streamType, ExpectedVersion.Exactly(loaded.Version), events);
}
