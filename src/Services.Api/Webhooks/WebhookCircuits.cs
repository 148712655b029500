using System.Collections.Concurrent;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Services.Api.Webhooks;

/// <summary>
/// The delivery worker's circuits (in memory, per node), by key: a Polly pipeline with a timeout per attempt
/// and a circuit breaker, and the failure the last attempt sent through it met. A circuit unused for longer than
/// <see cref="Idle"/> is forgotten by <see cref="ForgetIdle"/>, so that receivers an organization registered and
/// deleted do not pile up: its failures have left the breaker's sampling window by then, so a new circuit
/// behaves as it would have. An open circuit is kept through its break and that long again: forgetting it
/// sooner would let attempts through that its break holds back.
/// </summary>
internal sealed class WebhookCircuits(WebhookOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Circuit> _circuits = new(StringComparer.Ordinal);

    /// <summary>The sampling window, and an attempt's timeout so that no attempt under way loses its circuit.</summary>
    public TimeSpan Idle { get; } = TimeSpan.FromSeconds(options.CircuitSamplingSeconds + options.AttemptTimeoutSeconds);

    public int Count => _circuits.Count;

    public Circuit For(string key)
    {
        var circuit = _circuits.GetOrAdd(key, _ => new Circuit(options, time));
        circuit.Use();
        return circuit;
    }

    /// <summary>
    /// Forgets the circuits idle since <see cref="Idle"/> ago. One taken by <see cref="For"/> as it is forgotten
    /// (idle that long, so with nothing to remember) only sends its attempt through a circuit no other shares.
    /// </summary>
    public void ForgetIdle()
    {
        var since = time.GetUtcNow() - Idle;
        foreach (var entry in _circuits)
        {
            if (entry.Value.ActiveUntil < since) _circuits.TryRemove(entry);
        }
    }

    internal sealed class Circuit
    {
        private readonly TimeProvider _time;
        private long _lastUsedTicks;
        private long _breakEndsTicks;
        private volatile string? _lastFailure;

        public Circuit(WebhookOptions options, TimeProvider time)
        {
            _time = time;
            Pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions<HttpResponseMessage>
                {
                    FailureRatio = options.CircuitFailureRatio,
                    MinimumThroughput = options.CircuitMinimumThroughput,
                    SamplingDuration = TimeSpan.FromSeconds(options.CircuitSamplingSeconds),
                    BreakDuration = TimeSpan.FromSeconds(options.CircuitBreakSeconds),
                    ShouldHandle = new PredicateBuilder<HttpResponseMessage>()
                        .Handle<HttpRequestException>()
                        .Handle<TimeoutRejectedException>()
                        .HandleResult(r => (int)r.StatusCode >= 500 || (int)r.StatusCode == 429),
                    OnOpened = opened =>
                    {
                        Interlocked.Exchange(ref _breakEndsTicks, (_time.GetUtcNow() + opened.BreakDuration).UtcTicks);
                        return ValueTask.CompletedTask;
                    },
                })
                .AddTimeout(TimeSpan.FromSeconds(options.AttemptTimeoutSeconds))
                .Build();
        }

        public ResiliencePipeline<HttpResponseMessage> Pipeline { get; }

        /// <summary>What the last attempt sent through it failed with, shown while it is open; null once one gets through.</summary>
        public string? LastFailure => _lastFailure;

        /// <summary>The later of its last use and the end of its last break.</summary>
        public DateTimeOffset ActiveUntil => new(Math.Max(Interlocked.Read(ref _lastUsedTicks), Interlocked.Read(ref _breakEndsTicks)), TimeSpan.Zero);

        public void Use() => Interlocked.Exchange(ref _lastUsedTicks, _time.GetUtcNow().UtcTicks);

        public string Failed(string error) => _lastFailure = error;

        public void GotThrough() => _lastFailure = null;
    }
}
