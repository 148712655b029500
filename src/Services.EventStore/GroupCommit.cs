namespace Services.EventStore;

/// <summary>An append waiting for its turn to commit, alone or in a group.</summary>
/// <remarks>
/// Its outcome is set on the committer's thread, and the caller resumes right there: the committer
/// runs each member's continuation (the rest of its request) in turn, instead of waking a
/// thread-pool worker for each. On our VM a wake-up costs about as much as the work it hands over:
/// six interleaved pairs of 200k HTTP bench runs gave medians of 1,176 against 1,118 bookings/s,
/// 477 against 502 µs of API CPU per booking, p99 22.0 against 25.2 ms (ops/PERFORMANCE.md).
/// Hence: succeed and fail outside any lock, and only once every member's cached state is
/// committed. A cancellation is the exception: it comes under the group's lock or in a token's
/// callback, so its continuation goes to the thread pool.
/// </remarks>
internal sealed class PendingAppend(PreparedAppend prepared, EventMetadata metadata, Func<IEnumerable<Npgsql.NpgsqlBatchCommand>>? alongside, CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<AppendResult> _outcome = new();

    public PreparedAppend Prepared { get; } = prepared;

    public EventMetadata Metadata { get; } = metadata;

    public Func<IEnumerable<Npgsql.NpgsqlBatchCommand>>? Alongside { get; } = alongside;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    /// <summary>
    /// The server process of this append's last attempt when that attempt got no answer (0: none):
    /// while it runs, it may still commit the append.
    /// </summary>
    public int UnansweredBackend { get; set; }

    public Task<AppendResult> Outcome => _outcome.Task;

    public void Succeed(AppendResult result) => _outcome.TrySetResult(result);

    public void Fail(Exception exception) => _outcome.TrySetException(exception);

    public void Cancel() => ThreadPool.UnsafeQueueUserWorkItem(static append => append._outcome.TrySetCanceled(append.CancellationToken), this, preferLocal: false);
}

/// <summary>
/// Group commit: appends that arrive while earlier ones are committing wait, then commit together
/// in one transaction (one round trip, one WAL flush) instead of one transaction each. Commits are
/// what bounds appends under concurrency; a lone append still commits at once, on its caller's
/// thread. Appends to one stream commit in arrival order, each on the version the previous one
/// left: in one group their statements keep that order, and an append never overtakes an earlier
/// one to any of its streams (version checks of unchanged streams do not count: a group commits
/// after the one before it, so a check sees every append that committed earlier). If a group's
/// transaction fails (a version conflict in any member, a fault), nothing of it was written and
/// each member runs again alone, in arrival order, so that one append's conflict never becomes
/// another's unless it was decided on it.
/// </summary>
internal sealed class GroupCommit(
    Func<IReadOnlyList<PendingAppend>, Task> commitGroup,
    int maxConcurrentCommits,
    int maxGroupSize)
{
    private readonly object _gate = new();
    private readonly List<PendingAppend> _waiting = [];
    private readonly List<PendingAppend> _committing = [];
    private int _committers;

    public async Task<AppendResult> AppendAsync(PendingAppend append)
    {
        bool lead;
        lock (_gate)
        {
            _waiting.Add(append);
            lead = _committers < maxConcurrentCommits;
            if (lead) _committers++;
        }
        // A caller that gives up while still waiting leaves the queue; once taken, its append commits.
        await using var withdraw = append.CancellationToken.Register(() => Withdraw(append));
        // With a commit slot free, the caller commits on its own thread (no hand-over to another
        // thread and back: a lone writer pays nothing for grouping), then hands the slot on.
        if (lead && await CommitNextGroupAsync()) _ = Task.Run(CommitWhileWaitingAsync);
        return await append.Outcome;
    }

    private void Withdraw(PendingAppend append)
    {
        lock (_gate)
        {
            if (!_waiting.Remove(append)) return;
        }
        append.Cancel();
    }

    private async Task CommitWhileWaitingAsync()
    {
        while (await CommitNextGroupAsync()) { }
    }

    /// <summary>Commits the next group; true when more appends wait and this committer goes on, false when it stopped.</summary>
    private async Task<bool> CommitNextGroupAsync()
    {
        List<PendingAppend> group;
        lock (_gate)
        {
            group = TakeGroup();
            if (group.Count == 0)
            {
                _committers--;
                return false;
            }
        }
        try
        {
            await commitGroup(group);
        }
#pragma warning disable CA1031 // The committer must go on: the members get the fault, the next group its turn.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            foreach (var append in group) append.Fail(ex);
        }
        lock (_gate)
        {
            foreach (var append in group) _committing.Remove(append);
            if (_waiting.Count > 0) return true;
            _committers--;
            return false;
        }
    }

    /// <summary>
    /// The oldest waiting appends free to commit, in arrival order: none to a stream that an
    /// earlier group is still committing or that an append left waiting also changes.
    /// </summary>
    private List<PendingAppend> TakeGroup()
    {
        var group = new List<PendingAppend>();
        // Streams no append of this group may touch: being committed, or left waiting by an earlier
        // append. Built only when needed (a lone writer has none).
        HashSet<string>? taken = _committing.Count == 0 ? null : _committing.SelectMany(append => append.Prepared.AppendedStreamIds).ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < _waiting.Count && group.Count < maxGroupSize; i++)
        {
            var append = _waiting[i];
            if (append.CancellationToken.IsCancellationRequested)
            {
                append.Cancel();
                _waiting.RemoveAt(i--);
                continue;
            }
            if (taken is not null && append.Prepared.AppendedStreamIds.Any(taken.Contains))
            {
                // A later append to the same streams must not overtake this one.
                taken.UnionWith(append.Prepared.AppendedStreamIds);
                continue;
            }
            group.Add(append);
            _waiting.RemoveAt(i--);
        }
        _committing.AddRange(group);
        return group;
    }

    /// <summary>Completes once every append queued or committing now to any of <paramref name="streamIds"/> has its outcome.</summary>
    public Task SettledAsync(IReadOnlySet<string> streamIds)
    {
        Task[] outcomes;
        lock (_gate)
        {
            outcomes = _waiting.Concat(_committing)
                .Where(append => append.Prepared.AppendedStreamIds.Any(streamIds.Contains))
                .Select(append => (Task)append.Outcome)
                .ToArray();
        }
        // Their failures are their own callers' to see: only their end matters here.
        return outcomes.Length == 0
            ? Task.CompletedTask
            : Task.WhenAll(outcomes).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }
}
