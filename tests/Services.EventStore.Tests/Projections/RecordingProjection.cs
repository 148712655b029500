using Npgsql;
using Services.EventStore.Projections;

namespace Services.EventStore.Tests.Projections;

/// <summary>Keeps, in memory, every event it was handed (the instances themselves), in order; can be held on a gate.</summary>
internal sealed class RecordingProjection(string name) : IProjection
{
    private readonly List<RecordedEvent> _seen = [];
    private TaskCompletionSource? _gate;
    private int _pages;

    public string Name { get; } = name;

    public IReadOnlyList<RecordedEvent> Seen
    {
        get
        {
            lock (_seen) return [.. _seen];
        }
    }

    /// <summary>How many pages it was handed.</summary>
    public int Pages => Volatile.Read(ref _pages);

    /// <summary>Pages wait until <see cref="Release"/>.</summary>
    public void Hold() => Volatile.Write(ref _gate, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Release() => Interlocked.Exchange(ref _gate, null)?.TrySetResult();

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        var gate = Volatile.Read(ref _gate);
        if (gate is not null) await gate.Task.WaitAsync(cancellationToken);
        lock (_seen) _seen.AddRange(page);
        Interlocked.Increment(ref _pages);
    }

    public Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        lock (_seen) _seen.Clear();
        return Task.CompletedTask;
    }
}
