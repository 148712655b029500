using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly.CircuitBreaker;
using Polly.Timeout;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;

namespace Services.Api.Webhooks;

/// <summary>
/// Sends the outbox (webhook_deliveries). Each run claims due deliveries in one short transaction
/// (<c>for update skip locked</c>, so several nodes share the work, and a lease: next_attempt_at is
/// pushed past the run, so a node that dies mid-run leaves them due again later), then POSTs each
/// one outside any transaction (an open transaction would hold back the feed readers' xmin). Each
/// organization's deliveries go out in a lane of their own on this node, oldest first, one after
/// another, the lane claiming the organization's next due ones itself until none is; runs claim only
/// for organizations without a lane on this node, so a slow or hanging receiver holds up its own
/// organization and no other.
/// Each attempt runs through a circuit per organization and receiver host (<see cref="WebhookCircuits"/>): a
/// timeout per attempt and a circuit breaker (in memory, per node). Every attempt is recorded (status, duration, error); a failure
/// schedules the next attempt with exponential back-off and jitter (<see cref="WebhookOptions"/>) until
/// MaxAttempts, then the delivery is 'failed' (it can be redelivered). A delivery not sent because
/// the circuit is open counts as a failed attempt, with the reason. One whose signing secret opens
/// with no configured master key is not attempted: it waits, its attempts untouched, until the key is
/// configured again (see <see cref="PostponeAsync"/>). Deliveries of a deleted webhook are never sent, nor those of a disabled one
/// while it is (read from its row at the claim and again before sending, as its URL is, so that a change on any node holds them on every node). Time comes from the TimeProvider; tests call <see cref="RunOnceAsync"/>.
/// </summary>
public sealed class WebhookDeliveryWorker(
    NpgsqlDataSource db,
    IHttpClientFactory clients,
    TimeProvider time,
    IOptions<WebhookOptions> options,
    SchemaReadiness readiness,
    MasterKey masterKey,
    ILogger<WebhookDeliveryWorker> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    public const string EventIdHeader = "Services-Event-Id";
    public const string DeliveryIdHeader = "Services-Delivery-Id";

    /// <summary>The last error of a delivery waiting for its secret to open (<see cref="PostponeAsync"/>): its lastError, to its organization.</summary>
    private const string SecretUnavailable =
        "Waiting, not attempted: the webhook's signing secret cannot be opened with the platform's configured master keys. The delivery goes out once the platform's operator restores the key.";

    /// <summary>How long recording an attempt may take once it was made, whether or not the node is stopping.</summary>
    private static readonly TimeSpan RecordTimeout = TimeSpan.FromSeconds(10);

    private readonly WebhookOptions _options = options.Value;

    /// <summary>The circuits of the receivers this node sends to: those idle a while are forgotten at each claim.</summary>
    internal WebhookCircuits Circuits { get; } = new(options.Value, time);

    /// <summary>The lanes sending on this node, by organization: each ends when its deliveries are sent.</summary>
    private readonly ConcurrentDictionary<string, Task> _lanes = new(StringComparer.Ordinal);

    /// <summary>Webhooks whose secret was reported as not opening, so that each is logged once, not on every delivery.</summary>
    private readonly ConcurrentDictionary<string, bool> _unopened = new(StringComparer.Ordinal);

    /// <summary>One claim at a time on this node, so that two never start lanes for one organization.</summary>
    private readonly SemaphoreSlim _claiming = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await readiness.Migrated.WaitAsync(stoppingToken);
        var clearSecretsSealed = false;
        var interval = TimeSpan.FromSeconds(_options.PollIntervalSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, time, stoppingToken);
                if (!clearSecretsSealed)
                {
                    await WebhookSecrets.SealClearSecretsAsync(db, masterKey, stoppingToken);
                    clearSecretsSealed = true;
                }
                while ((await StartDueAsync(stoppingToken)).Claimed > 0 && !stoppingToken.IsCancellationRequested)
                {
                    // a full batch may mean more is due for organizations still without a lane: go on at once
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                logger.LogWarning(ex, "Webhook delivery run failed; retrying at the next tick");
            }
        }
        await Task.WhenAll(_lanes.Values);
    }

    /// <summary>Claims the deliveries due now and sends each once; answers how many were claimed once they are sent.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var (claimed, lanes) = await StartDueAsync(cancellationToken, untilDrained: false);
        await Task.WhenAll(lanes);
        return claimed;
    }

    /// <summary>
    /// Claims the deliveries due now of organizations without a lane on this node (as many
    /// organizations as lanes are free) and starts a lane for each; answers how many were claimed and
    /// the lanes, which end once their deliveries are sent.
    /// </summary>
    /// <param name="untilDrained">
    /// Whether a lane, its deliveries sent, claims its organization's next due ones itself, until none
    /// is due: a backlog then goes out at the receiver's pace, not a batch per poll interval.
    /// </param>
    public async Task<(int Claimed, IReadOnlyList<Task> Lanes)> StartDueAsync(CancellationToken cancellationToken, bool untilDrained = true)
    {
        await _claiming.WaitAsync(cancellationToken);
        try
        {
            Circuits.ForgetIdle();
            var free = _options.ConcurrentOrganizations - _lanes.Count;
            if (free <= 0) return (0, []);
            var claimed = await ClaimAsync(time.GetUtcNow(), [.. _lanes.Keys], free, only: null, cancellationToken);
            return (claimed.Count, [.. claimed.GroupBy(d => d.OrganizationId).Select(deliveries => StartLane(deliveries.Key, [.. deliveries], untilDrained, cancellationToken))]);
        }
        finally
        {
            _claiming.Release();
        }
    }

    private Task StartLane(string organizationId, List<Claimed> batch, bool untilDrained, CancellationToken cancellationToken)
    {
        // Registered before it runs, so that a lane that ends at once is not registered after it ended.
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _lanes[organizationId] = ended.Task;
        _ = Task.Run(async () =>
        {
            try
            {
                for (var deliveries = batch; deliveries.Count > 0;
                     deliveries = untilDrained ? await ClaimAsync(time.GetUtcNow(), [], 1, organizationId, cancellationToken) : [])
                {
                    foreach (var delivery in deliveries) await SendAsync(delivery, cancellationToken);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Stopping: the deliveries not sent are due again when their lease ends.
            }
#pragma warning disable CA1031 // Whatever stops a lane is logged: its deliveries come back when their lease ends, and would otherwise fail again unseen.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                logger.LogError(ex, "Webhook deliveries of organization {OrganizationId} stopped; the rest are due again when their lease ends", organizationId);
            }
            finally
            {
                _lanes.TryRemove(KeyValuePair.Create(organizationId, ended.Task));
                ended.SetResult();
            }
        }, CancellationToken.None);
        return ended.Task;
    }

    /// <param name="Redeliveries">How many redeliveries had been asked when it was claimed: one asked during the attempt starts its own schedule.</param>
    private sealed record Claimed(string DeliveryId, string WebhookId, string OrganizationId, Guid EventId, string Body, int Redeliveries);

    /// <summary>Where and how a delivery is sent, read when it is sent: the webhook may have been edited or its secret rotated since the claim.</summary>
    /// <param name="SealedSecret">The webhook's signing secret, still wrapped: opened only to sign.</param>
    /// <param name="PreviousSealedSecret">The secret a rotation replaced, while it still signs too; null otherwise.</param>
    private sealed record Target(string Url, byte[] SealedSecret, byte[]? PreviousSealedSecret);

    /// <param name="busy">Organizations with a lane on this node: their deliveries wait for it to end.</param>
    /// <param name="organizations">At most this many organizations, those with the oldest due deliveries.</param>
    /// <param name="only">This organization's deliveries only, when given (a lane claiming its next ones).</param>
    private async Task<List<Claimed>> ClaimAsync(DateTimeOffset now, string[] busy, int organizations, string? only, CancellationToken cancellationToken)
    {
        var lease = now + TimeSpan.FromSeconds(_options.AttemptTimeoutSeconds * _options.BatchSize + 60);
        var filters = new QueryFilters(now.ToUniversalTime(), lease.ToUniversalTime(), _options.BatchSize, busy, organizations);
        if (only is not null) filters.And($"live.organization_id = {filters.Parameter(only)}");
        await using var command = ReadModelSql.Command(db, $"""
            with orphaned as (
                -- Queued by an outbox page that read the webhook before its deletion committed (a page's
                -- transaction is seconds long): ended here, looked for among the day's deletions only.
                update webhook_deliveries o set status = 'failed', next_attempt_at = null, last_error = coalesce(o.last_error, 'webhook deleted')
                from webhooks gone
                where gone.deleted_at > $1::timestamptz - interval '1 day' and o.webhook_id = gone.webhook_id and o.status = 'pending'
            ), due as (
                select due.delivery_id, live.organization_id, due.next_attempt_at
                from webhook_deliveries due
                join webhooks live on live.webhook_id = due.webhook_id and live.deleted_at is null and live.disabled_at is null and live.sealed_secret is not null
                where due.status = 'pending' and due.next_attempt_at <= $1 and live.organization_id <> all($4){filters.Conditions}
                order by due.next_attempt_at, due.event_position, due.delivery_id
                limit $3
                for update of due skip locked
            ), served as (
                select organization_id from due group by organization_id order by min(next_attempt_at) limit $5
            )
            update webhook_deliveries d set next_attempt_at = $2
            from webhooks w
            where d.delivery_id in (select due.delivery_id from due join served using (organization_id))
              and w.webhook_id = d.webhook_id
            returning d.delivery_id, d.webhook_id, w.organization_id, d.event_id, d.body, d.created_at, d.event_position, d.redeliveries
            """, filters.Values);
        var rows = new List<(Claimed Delivery, DateTimeOffset CreatedAt, long? Position)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((new Claimed(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetGuid(3), reader.GetString(4), reader.GetInt32(7)),
                reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetInt64(6)));
        }
        // Oldest events first, and a transaction's events in the feed's order (they share its instant), so that a
        // receiver usually sees them in order; not guaranteed (retries, redeliveries, other nodes): use the feed for order.
        return [.. rows.OrderBy(r => r.CreatedAt).ThenBy(r => r.Position).ThenBy(r => r.Delivery.DeliveryId, StringComparer.Ordinal).Select(r => r.Delivery)];
    }

    private async Task SendAsync(Claimed delivery, CancellationToken cancellationToken)
    {
        // Claimed a while ago (a batch sends one delivery after another): the webhook may have been
        // deleted since, and its deliveries with it, edited, disabled, or its secret rotated.
        if (await TargetIfPendingAsync(delivery.DeliveryId, cancellationToken) is not { } target) return;
        if (Opened(delivery.WebhookId, target.SealedSecret) is not { } secret)
        {
            await PostponeAsync(delivery, cancellationToken);
            return;
        }
        // A previous secret that does not open is left out rather than holding deliveries back: rotating is
        // how an organization gets a secret the current master key wraps, and its receiver has the new one.
        string[] secrets = target.PreviousSealedSecret is { } previous && Opened(delivery.WebhookId, previous) is { } previousSecret ? [secret, previousSecret] : [secret];
        var attemptedAt = time.GetUtcNow();
        var started = time.GetTimestamp();
        var (statusCode, error) = await AttemptAsync(delivery, target.Url, secrets, cancellationToken);
        var duration = (int)Math.Min(int.MaxValue, time.GetElapsedTime(started).TotalMilliseconds);
        // Not with the stopping token: a POST that got through and went unrecorded is sent again when its lease
        // ends. Once made, an attempt is recorded (as the store commits what it took), within a bound, so that a
        // database that does not answer does not hold up the shutdown.
        using var recording = new CancellationTokenSource(RecordTimeout, time);
        var attempt = await RecordAsync(delivery, attemptedAt, statusCode, duration, error, recording.Token);
        if (error is null) logger.LogDebug("Webhook {WebhookId} delivery {DeliveryId} delivered", delivery.WebhookId, delivery.DeliveryId);
        else logger.LogInformation("Webhook {WebhookId} delivery {DeliveryId} attempt {Attempt} failed: {Error}", delivery.WebhookId, delivery.DeliveryId, attempt, error);
    }

    /// <summary>One attempt: the receiver's status code, and why it failed (null when it succeeded).</summary>
    private async Task<(int? StatusCode, string? Error)> AttemptAsync(Claimed delivery, string url, string[] secrets, CancellationToken cancellationToken)
    {
        // One circuit per organization and host (with its scheme and port), not per URL: URLs that differ only in their path
        // or query would each get their own failures before opening it, and one organization's
        // webhooks to a host that never answers would hold the worker that long each. Not per host
        // alone: one organization's failing URL must not pause others' deliveries to a shared receiver.
        var circuit = Circuits.For($"{delivery.OrganizationId} {new Uri(url).GetLeftPart(UriPartial.Authority)}");
        try
        {
            using var response = await circuit.Pipeline.ExecuteAsync(async ct =>
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, url)
                {
                    Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(secrets, time.GetUtcNow(), delivery.Body));
                request.Headers.Add(EventIdHeader, delivery.EventId.ToString());
                request.Headers.Add(DeliveryIdHeader, delivery.DeliveryId);
                request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Services-Webhooks", "1"));
                return await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            }, cancellationToken);
            var statusCode = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode) return (statusCode, circuit.Failed(Truncate($"HTTP {statusCode} {response.ReasonPhrase}".TrimEnd())));
            circuit.GotThrough();
            return (statusCode, null);
        }
        catch (BrokenCircuitException)
        {
            // Counted like a failed attempt, so that the back-off and the attempt limit hold while
            // an endpoint stays down: a backlog is not carried from one break to the next forever.
            // The failure that keeps it open is what the integrator has to fix, so it is named.
            var cause = circuit.LastFailure is { } last ? $" The last attempt sent there failed: {last}" : "";
            return (null, $"Not sent: this organization's attempts to this URL's scheme, host and port keep failing, so sending there is paused for a while (circuit open).{cause}");
        }
        catch (TimeoutRejectedException)
        {
            return (null, circuit.Failed($"Timed out after {_options.AttemptTimeoutSeconds:0.#} s."));
        }
        catch (HttpRequestException ex)
        {
            return (null, circuit.Failed(Truncate(Explain(ex))));
        }
    }

    /// <summary>The secret, or null when no configured master key opens it (logged once per webhook).</summary>
    private string? Opened(string webhookId, byte[] sealedSecret)
    {
        try
        {
            return WebhookSecrets.Open(masterKey, webhookId, sealedSecret);
        }
        catch (CryptographicException)
        {
            // Sealed under a master key no longer configured (changed without keeping the old one, or a
            // development node made up its own): not the receiver's fault, nor the worker's.
            if (_unopened.TryAdd(webhookId, true))
            {
                logger.LogError("Webhook {WebhookId}: a signing secret does not open with this node's master key (was {Setting} changed without moving the old one to {Previous}?)",
                    webhookId, MasterKey.ConfigurationKey, MasterKey.PreviousConfigurationKey);
            }
            return null;
        }
    }

    /// <summary>
    /// A delivery whose secret does not open waits a first retry's time, again and again, without an attempt
    /// counted: it is not lost while the operator restores the master key (nor failed, to be redelivered by hand).
    /// </summary>
    private async Task PostponeAsync(Claimed delivery, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            "update webhook_deliveries set next_attempt_at = $2, last_error = $3 where delivery_id = $1 and status = 'pending' and redeliveries = $4");
        command.Parameters.Add(new NpgsqlParameter { Value = delivery.DeliveryId });
        command.Parameters.Add(new NpgsqlParameter { Value = (time.GetUtcNow() + TimeSpan.FromSeconds(_options.FirstRetrySeconds)).ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter { Value = SecretUnavailable });
        command.Parameters.Add(new NpgsqlParameter { Value = delivery.Redeliveries });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A failed send as the receiver's owner can act on it: the outer message, then the causes it does not already say, in
    /// brackets ("The SSL connection could not be established, see inner exception." alone says nothing).
    /// </summary>
    internal static string Explain(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var causes = new List<string>();
        for (var cause = failure.InnerException; cause is not null; cause = cause.InnerException)
        {
            // HttpClient often quotes its cause in its own message already ("… does not resolve … (host:443)"): said once.
            if (!causes.Contains(cause.Message) && !failure.Message.Contains(cause.Message, StringComparison.Ordinal)) causes.Add(cause.Message);
        }
        return causes.Count == 0 ? failure.Message : $"{failure.Message} ({string.Join(" ", causes)})";
    }

    /// <summary>The webhook's URL and secrets as they are when the delivery is sent, or null when it is no longer pending or its webhook is disabled (the delivery waits, its lease ending, for it to be enabled).</summary>
    private async Task<Target?> TargetIfPendingAsync(string deliveryId, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("""
            select w.url, w.sealed_secret, case when w.previous_secret_until > $2 then w.previous_sealed_secret end
            from webhook_deliveries d join webhooks w on w.webhook_id = d.webhook_id
            where d.delivery_id = $1 and d.status = 'pending' and w.sealed_secret is not null and w.disabled_at is null
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = deliveryId });
        command.Parameters.Add(new NpgsqlParameter { Value = time.GetUtcNow().ToUniversalTime() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        return new Target(reader.GetString(0), reader.GetFieldValue<byte[]>(1), reader.IsDBNull(2) ? null : reader.GetFieldValue<byte[]>(2));
    }

    /// <summary>
    /// Records the attempt, numbered from the delivery's row rather than from the claim: a redelivery
    /// asked while this attempt ran may have had another worker attempt it meanwhile, and both
    /// attempts are kept, one after the other. Answers the attempt's number.
    /// </summary>
    private async Task<int> RecordAsync(Claimed delivery, DateTimeOffset attemptedAt, int? statusCode, int durationMs, string? error, CancellationToken cancellationToken)
    {
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int attempt, scheduleStart;
        await using (var current = new NpgsqlCommand("select attempts + 1, schedule_start from webhook_deliveries where delivery_id = $1 for update", connection, transaction))
        {
            current.Parameters.Add(new NpgsqlParameter { Value = delivery.DeliveryId });
            await using var reader = await current.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            (attempt, scheduleStart) = (reader.GetInt32(0), reader.GetInt32(1));
        }
        var failures = attempt - scheduleStart;
        var (status, next) = error is null
            ? ("delivered", (DateTimeOffset?)null)
            : failures >= _options.MaxAttempts
                ? ("failed", null)
                : ("pending", attemptedAt + _options.Backoff(failures, Random.Shared.NextDouble()));
        await using var batch = new NpgsqlBatch(connection, transaction);
        Add(batch, "insert into webhook_attempts (delivery_id, attempt, attempted_at, status_code, duration_ms, error) values ($1, $2, $3, $4, $5, $6)",
            delivery.DeliveryId, attempt, attemptedAt.ToUniversalTime(), statusCode, durationMs, error);
        // A delivery its webhook's deletion ended while this attempt ran stays ended, unless the
        // attempt got through. One redelivered meanwhile keeps what the redelivery and the attempts after it
        // set: this attempt is only counted, outside the new schedule.
        Add(batch, """
            update webhook_deliveries set attempts = $2,
                last_status_code = case when redeliveries <> $8 then last_status_code else $5 end,
                last_error = case when redeliveries <> $8 then last_error else $6 end,
                status = case when redeliveries <> $8 then status when status = 'pending' or $3 = 'delivered' then $3 else status end,
                next_attempt_at = case when redeliveries <> $8 then next_attempt_at when status = 'pending' then $4::timestamptz end,
                schedule_start = case when redeliveries <> $8 then schedule_start + 1 else schedule_start end,
                delivered_at = case when $3 = 'delivered' then greatest(delivered_at, $7) else delivered_at end
            where delivery_id = $1
            """,
            delivery.DeliveryId, attempt, status, next?.ToUniversalTime(), statusCode, error, attemptedAt.ToUniversalTime(), delivery.Redeliveries);
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return attempt;
    }

    private static void Add(NpgsqlBatch batch, string sql, params object?[] values) => batch.BatchCommands.Add(ReadModelSql.BatchCommand(sql, values));

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500];
}
