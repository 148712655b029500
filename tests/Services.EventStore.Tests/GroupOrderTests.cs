using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests;

/// <summary>
/// The order rule of the group committer with two commit slots, on a committer that commits nothing
/// and holds each group until the test releases it: no append ever overtakes an earlier one to any
/// of its streams.
/// </summary>
public sealed class GroupOrderTests
{
    private readonly EventTypeRegistry _registry = StoreFixture.NewRegistry();
    private readonly List<string[]> _started = [];
    private readonly Dictionary<string, TaskCompletionSource> _held = [];

    [Fact]
    public async Task An_append_waits_behind_an_earlier_one_left_waiting_on_a_stream_they_share()
    {
        var commits = new GroupCommit(HoldAsync, maxConcurrentCommits: 2, maxGroupSize: 64);
        var first = commits.AppendAsync(Pending("first", "s"));

        // A commit slot is free each time, but 'both' must wait for 's', and 'later' for 'both' on 't'.
        var both = commits.AppendAsync(Pending("both", "s", "t"));
        var later = commits.AppendAsync(Pending("later", "t"));

        Started.ShouldBe([["first"]]);
        foreach (var name in new[] { "first", "both", "later" }) Release(name);
        await Task.WhenAll(first, both, later);
        Started.ShouldBe([["first"], ["both", "later"]]);
    }

    private List<string[]> Started
    {
        get
        {
            lock (_held) return [.. _started];
        }
    }

    private PendingAppend Pending(string name, params string[] streams)
    {
        var prepared = PreparedAppend.Create([.. streams.Select(s => new StreamAppend(s, "thing", ExpectedVersion.Any, [new Happened(name)]))], EventMetadata.None, _registry);
        return new PendingAppend(prepared, EventMetadata.None, null, CancellationToken.None);
    }

    /// <summary>Each group is named by its first append and held until released; its members then succeed.</summary>
    private async Task HoldAsync(IReadOnlyList<PendingAppend> group)
    {
        var names = group.Select(append => ((Happened)append.Prepared.Streams[0].Events[0]).What).ToArray();
        TaskCompletionSource held;
        lock (_held)
        {
            _started.Add(names);
            if (!_held.TryGetValue(names[0], out held!)) _held[names[0]] = held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        await held.Task;
        foreach (var append in group) append.Succeed(new AppendResult(new Dictionary<string, long>(), FeedPosition.Start));
    }

    private void Release(string name)
    {
        lock (_held)
        {
            if (!_held.TryGetValue(name, out var held)) _held[name] = held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            held.TrySetResult();
        }
    }
}
