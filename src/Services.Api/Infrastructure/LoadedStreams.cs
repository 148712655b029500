using Npgsql;
using Services.EventStore;

namespace Services.Api.Infrastructure;

/// <summary>
/// The streams a command decided on, each with the version it was loaded at, so that the decision
/// is appended to all of them in one transaction with exactly those expected versions (streams it
/// does not change are checked to be still at theirs). States come from the store's aggregate cache
/// when it has them, without a read: the append's checks, or <see cref="ConfirmAsync"/> for an answer
/// that appends nothing, catch a stream another node moved. Use through
/// <see cref="CommandRunner.RunAsync{TResult}(IEnumerable{string}, Func{LoadedStreams, CancellationToken, Task{TResult}}, CancellationToken)"/>:
/// a version conflict then loads and decides again.
/// </summary>
/// <param name="locks">This process's locks on the command's streams, released once its append is queued.</param>
public sealed class LoadedStreams(EventStore.EventStore store, IDisposable? locks = null)
{
    private readonly Dictionary<string, (string Type, long Version, ExpectedVersion Expected)> _loaded = new(StringComparer.Ordinal);

    /// <summary>The stream's state (null when it does not exist yet), remembering its version.</summary>
    public async Task<TState?> LoadAsync<TState>(StreamRef<TState> stream, CancellationToken cancellationToken) where TState : class
    {
        ArgumentNullException.ThrowIfNull(stream);
        var loaded = await store.FetchForWritingAsync(stream, cancellationToken);
        _loaded[stream.Id] = (stream.Type, loaded.Version, loaded.Expected);
        return loaded.State;
    }

    /// <summary>
    /// A stream this command names with an id it has just made: it cannot exist yet, so it is not
    /// read, and the append will require that it still does not exist.
    /// </summary>
    public TState? New<TState>(StreamRef<TState> stream) where TState : class
    {
        ArgumentNullException.ThrowIfNull(stream);
        _loaded[stream.Id] = (stream.Type, 0, ExpectedVersion.NoStream);
        return null;
    }

    /// <summary>
    /// A stream's state read for what of it never changes (an offer's time zone): the decision is not held
    /// to its version, so a change of the rest neither conflicts with it nor moves a version loaded before.
    /// </summary>
    public async Task<TState?> ReadUnchangingAsync<TState>(StreamRef<TState> stream, CancellationToken cancellationToken) where TState : class =>
        (await store.LoadAsync(stream, cancellationToken)).State;

    /// <summary>Loads several streams of one type, keyed by the id they were asked with.</summary>
    public Task<IReadOnlyDictionary<string, TState>> LoadManyAsync<TState>(IEnumerable<string> ids, Func<string, StreamRef<TState>> stream, CancellationToken cancellationToken) where TState : class
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(stream);
        return StoreExtensions.CollectAsync(ids, id => LoadAsync(stream(id), cancellationToken));
    }

    /// <summary>
    /// Appends each stream's events at the version it was loaded at; the loaded streams without
    /// events must still be at theirs for the transaction to commit.
    /// </summary>
    public async Task<AppendResult> AppendAsync(EventMetadata metadata, IEnumerable<(string StreamId, IReadOnlyList<object> Events)> changes, CancellationToken cancellationToken, Func<IEnumerable<NpgsqlBatchCommand>>? alongside = null)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var changed = changes.Where(change => change.Events.Count > 0).ToList();
        var appends = changed
            .Select(change => _loaded.TryGetValue(change.StreamId, out var loaded)
                ? new StreamAppend(change.StreamId, loaded.Type, loaded.Expected, change.Events)
                : throw new InvalidOperationException($"Stream '{change.StreamId}' was not loaded: a decision may only change streams it was decided on."))
            .Concat(_loaded
                .Where(loaded => !changed.Exists(change => change.StreamId == loaded.Key))
                .Select(loaded => StreamAppend.Unchanged(loaded.Key, loaded.Value.Expected)))
            .ToList();
        AppendAttempted = true;
        var committing = store.AppendAsync(appends, metadata, alongside, cancellationToken);
        locks?.Dispose();
        return await committing;
    }

    /// <summary>True once the decision went to the store: whatever happens then, it is not decided again unless the store says it conflicted.</summary>
    public bool AppendAttempted { get; private set; }

    /// <summary>
    /// For an answer that did not append (a refusal, a 404, a stale If-Match): throws a version
    /// conflict when a stream it was decided on has moved since it was loaded, so that it is decided again.
    /// </summary>
    public Task ConfirmAsync(CancellationToken cancellationToken) =>
        AppendAttempted ? Task.CompletedTask : store.CheckVersionsAsync(_loaded.ToDictionary(loaded => loaded.Key, loaded => loaded.Value.Expected), cancellationToken);

    /// <summary>The version a stream was loaded at (0 when it did not exist).</summary>
    public long VersionOf(string streamId) => _loaded[streamId].Version;
}
