namespace Services.EventStore.Projections;

/// <summary>
/// Implemented by a projection that keeps part of its read model in this process as well (a cache of
/// answers read from it): told when the read model may change, so that the copy never outlives the rows.
/// While the shard runs on this node, its read model changes only through this node's pages (or a
/// reset); on any other node it may change at any time, unseen.
/// </summary>
/// <remarks>Called on the shard's loop, between database calls: be quick. An exception is reported, not rethrown.</remarks>
public interface IShardObserver
{
    /// <summary>
    /// The shard runs on this node from now on, its read model at <paramref name="position"/>: until
    /// <see cref="NotRunning"/>, every change to it is bracketed by <see cref="PageApplying"/> and
    /// <see cref="PageApplied"/>. Anything kept from before may be stale.
    /// </summary>
    void Running(FeedPosition position);

    /// <summary>A page's transaction begins: what these events touch may change from now on.</summary>
    void PageApplying(IReadOnlyList<RecordedEvent> page);

    /// <summary>
    /// The page's transaction committed, or will not commit (it failed, or the shard was lost): rows
    /// read from now on are at <paramref name="position"/>, the page's last event or where the
    /// shard was before it.
    /// </summary>
    void PageApplied(FeedPosition position);

    /// <summary>
    /// The shard stopped running here (stopped, lost, failed), or its read model is about to be
    /// emptied. May come more than once.
    /// </summary>
    void NotRunning();
}
