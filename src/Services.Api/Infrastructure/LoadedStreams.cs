using Npgsql;
using Services.EventStore;

namespace Services.Api.Infrastructure;

/// <summary>
/// The streams a multi-stream command loaded, each with the version it was loaded at, so that the
/// decision is appended to all of them in one transaction with exactly those expected versions.
/// Use inside <see cref="CommandRunner.RunAsync{TResult}"/>: a version conflict then reloads and decides again.
/// </summary>
public sealed class LoadedStreams(EventStore.EventStore store)
{
    private readonly Dictionary<string, (string Type, long Version)> _loaded = new(StringComparer.Ordinal);

    /// <summary>The stream's state (null when it does not exist yet), remembering its version.</summary>
    public async Task<TState?> LoadAsync<TState>(StreamRef<TState> stream, CancellationToken cancellationToken) where TState : class
    {
        ArgumentNullException.ThrowIfNull(stream);
        var loaded = await store.LoadAsync(stream, cancellationToken);
        _loaded[stream.Id] = (stream.Type, loaded.Version);
        return loaded.State;
    }

    /// <summary>
    /// A stream this command names with an id it has just made: it cannot exist yet, so it is not
    /// read, and the append will require that it still does not exist.
    /// </summary>
    public TState? New<TState>(StreamRef<TState> stream) where TState : class
    {
        ArgumentNullException.ThrowIfNull(stream);
        _loaded[stream.Id] = (stream.Type, 0);
        return null;
    }

    /// <summary>Loads several streams of one type, keyed by the id they were asked with.</summary>
    public async Task<IReadOnlyDictionary<string, TState>> LoadManyAsync<TState>(IEnumerable<string> ids, Func<string, StreamRef<TState>> stream, CancellationToken cancellationToken) where TState : class
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(stream);
        var states = new Dictionary<string, TState>(StringComparer.Ordinal);
        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (await LoadAsync(stream(id), cancellationToken) is { } state) states[id] = state;
        }
        return states;
    }

    /// <summary>Appends each stream's events (streams with none are left alone) at the versions they were loaded at.</summary>
    public Task<AppendResult> AppendAsync(EventMetadata metadata, IEnumerable<(string StreamId, IReadOnlyList<object> Events)> changes, CancellationToken cancellationToken, Func<IEnumerable<NpgsqlBatchCommand>>? alongside = null)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var appends = changes
            .Where(change => change.Events.Count > 0)
            .Select(change => _loaded.TryGetValue(change.StreamId, out var loaded)
                ? new StreamAppend(change.StreamId, loaded.Type, ExpectedVersion.Exactly(loaded.Version), change.Events)
                : throw new InvalidOperationException($"Stream '{change.StreamId}' was not loaded: a decision may only change streams it was decided on."))
            .ToList();
        return store.AppendAsync(appends, metadata, alongside, cancellationToken);
    }

    /// <summary>The version a stream was loaded at (0 when it did not exist).</summary>
    public long VersionOf(string streamId) => _loaded[streamId].Version;
}
