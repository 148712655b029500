using Polly;
using Polly.Retry;
using Services.EventStore;

namespace Services.Api.Infrastructure;

/// <summary>
/// The one load-decide-append path of every command and reaction: it queues behind other commands
/// on the same streams in this process, then runs <c>attempt</c> (load, decide, append with the
/// versions it loaded); when another node moved a stream in between, it loads and decides again.
/// </summary>
public sealed class CommandRunner(StreamLocks locks, EventStore.EventStore store)
{
    private readonly ResiliencePipeline _retry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<StreamVersionConflictException>(),
            MaxRetryAttempts = 8,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(5),
        })
        .Build();

    public Task<TResult> RunAsync<TResult>(IEnumerable<string> streamIds, Func<CancellationToken, Task<TResult>> attempt, CancellationToken cancellationToken) =>
        RunAsync(streamIds, (_, ct) => attempt(ct), cancellationToken);

    /// <summary>
    /// Runs <paramref name="decide"/> with the streams it loads; whatever it answers was decided on
    /// current states: its append checked them, or they are confirmed before answering. The streams
    /// are free for the next command as soon as the append is queued: it decides on these events
    /// and commits after them (or fails with them).
    /// </summary>
    public async Task<TResult> RunAsync<TResult>(IEnumerable<string> streamIds, Func<LoadedStreams, CancellationToken, Task<TResult>> decide, CancellationToken cancellationToken)
    {
        var ids = streamIds.ToList();
        return await _retry.ExecuteAsync(async ct =>
        {
            using var held = await locks.AcquireAsync(ids, ct);
            var streams = new LoadedStreams(store, held);
            TResult result;
            try
            {
                result = await decide(streams, ct);
            }
            catch (Exception ex) when (ex is not (StreamVersionConflictException or OperationCanceledException) && !streams.AppendAttempted)
            {
                // Cached states of several streams may disagree (another node changed one of them): a
                // decision that cannot make sense of them is taken again on current states, if they
                // moved. Not after its append failed: that append may have committed.
                await streams.ConfirmAsync(ct);
                throw;
            }
            await streams.ConfirmAsync(ct);
            return result;
        }, cancellationToken);
    }
}
