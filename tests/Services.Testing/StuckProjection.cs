using Npgsql;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Testing;

/// <summary>
/// A read model whose first page does not end, whatever its token says, until <see cref="Release"/>: a shard
/// stuck in a slow page, for what a node's shutdown does with it.
/// </summary>
public sealed class StuckProjection(string name) : IProjection
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name { get; } = name;

    /// <summary>Completes once a page is being applied.</summary>
    public Task Entered => _entered.Task;

    public void Release() => _released.TrySetResult();

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        _entered.TrySetResult();
        await _released.Task;
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;
}
