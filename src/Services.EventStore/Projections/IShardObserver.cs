namespace Services.EventStore.Projections;

/// <summary>
/// Implemented by a projection that keeps part of its read model in this process as well (a cache of
/// answers read from it): told when the read model may change, so that the copy never outlives the rows.
/// While the shard runs on this node, its read model changes only through this node's pages (or a
/// reset); on any other node it may change at any time, unseen.
/// </summary>
/// <remarks>Called on the shard's loop, between database calls: be quick, and never throw.</remarks>
public interface IShardObserver
{
    /// <summary>
    /// The shard runs on this node from now on: until <see cref="NotRunning"/>, every change to the
    /// read model is bracketed by <see cref="PageApplying"/> and <see cref="PageApplied"/>. Anything
    /// kept from before may be stale.
    /// </summary>
    void Running();

    /// <summary>A page's transaction begins: what these events touch may change from now on.</summary>
    void PageApplying(IReadOnlyList<RecordedEvent> page);

    /// <summary>The page's transaction ended (committed, or rolled back and changed nothing): rows read from now on include it.</summary>
    void PageApplied();

    /// <summary>The shard stopped running here (stopped, lost, failed), or its read model is about to be emptied.</summary>
    void NotRunning();
}
