using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Services.Api.Security;
using Services.EventStore;

namespace Services.Api.Infrastructure;

/// <summary>
/// Idempotency-Key on changes, as Stripe does it. The key is reserved in the same transaction as
/// the request's events (so a retry can never write them twice, even after a crash), and the
/// answer is stored right after: a retry with the same key and body gets the first answer again
/// (with <c>Idempotent-Replayed: true</c>), unless it was refused before it ran (400, 412, the framework's 404, 405, 415: see <see cref="IsKept"/>);
/// with another body, 409 <c>idempotency_key_reused</c>;
/// while the first is still running, 409 <c>idempotency_key_in_progress</c>; when its answer was lost
/// (the server stopped between the commit and keeping it), 409 <c>idempotency_key_interrupted</c>. Keys are per
/// organization and kept at least 24 hours (<see cref="IdempotencyKeyRetention"/>). Server errors
/// (5xx) are not stored: retry them. Stored answers are sealed with the <see cref="MasterKey"/> (one that no
/// configured key opens is not lost: 503 <c>secret_key_unavailable</c> until the operator configures its key again); some
/// carry an API key's token, a webhook's secret or contact details; an answer showing contact details
/// is also kept with them erased, for retries after the beneficiary's erasure (<see cref="PersonalDataInAnswer"/>).
/// </summary>
public sealed class Idempotency(NpgsqlDataSource dataSource, MasterKey masterKey, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ILogger<Idempotency> logger)
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 255;
    public const string ReservationConstraint = "idempotency_keys_pkey";
    private static readonly string[] ReplayedHeaders = ["Location", "ETag", Writes.PositionHeader];

    /// <summary>
    /// A reservation commits with the request's events and its answer is kept right after: one still
    /// without an answer this long after was interrupted, and waiting longer will not bring its answer.
    /// </summary>
    public static readonly TimeSpan AnswerLostAfter = TimeSpan.FromMinutes(1);

    /// <summary>The reservation committed with the events of a request that carried a key.</summary>
    public static IEnumerable<NpgsqlBatchCommand> Reserve(EventMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (metadata.IdempotencyKey is null || metadata.ActorOrganizationId is null) yield break;
        var command = new NpgsqlBatchCommand("insert into idempotency_keys (organization_id, key, request_id) values ($1, $2, $3)");
        command.Parameters.Add(new NpgsqlParameter { Value = metadata.ActorOrganizationId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = metadata.IdempotencyKey, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)metadata.CorrelationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        yield return command;
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var key = context.Request.Headers[Header].ToString();
        var caller = Caller.From(context.User);
        if (key.Length == 0 || caller is null || HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }
        if (key.Length > MaxKeyLength || key.Any(char.IsControl))
        {
            await Problems.WriteAsync(context, 400, "invalid_request", "Invalid request", $"{Header} must be 1 to {MaxKeyLength} printable characters.");
            return;
        }

        var hash = await HashRequestAsync(context.Request);
        var stored = await FindAsync(caller.OrganizationId, key, context.RequestAborted);
        if (stored is not null)
        {
            await AnswerFromStoredAsync(context, stored, hash);
            return;
        }

        var original = context.Response.Body;
        await using var buffer = new MemoryStream();
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }
        // Stored even when the client has left meanwhile: its changes may be committed, and its
        // retry must get this answer, not a key held "in progress" for as long as keys are kept.
        if (context.Response.StatusCode < 500
            && !(IsKept(context.Response.StatusCode, buffer.Length) && await StoreAsync(caller.OrganizationId, key, hash, context, buffer.ToArray(), CancellationToken.None))
            && await FindAsync(caller.OrganizationId, key, CancellationToken.None) is { } first)
        {
            // A request with this key committed while this one ran (this one wrote nothing: it found
            // the changes made). The key's answer is that request's, not this one's.
            context.Response.Clear();
            await AnswerFromStoredAsync(context, first, hash);
            return;
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(original, context.RequestAborted);
    }

    /// <summary>
    /// As Stripe does, an answer given before the change ran is not kept: a request refused as invalid
    /// (400) or for a stale If-Match (412) changed nothing, and its retry, corrected or with the fresh
    /// ETag, must run rather than get the refusal again for as long as keys are kept. So are the
    /// framework's refusals (no such path, method not allowed, unsupported media type): they come
    /// without a body, which the status-code pages write outside this middleware.
    /// </summary>
    private static bool IsKept(int status, long bodyLength) =>
        status is not (StatusCodes.Status400BadRequest or StatusCodes.Status412PreconditionFailed)
        && (status < StatusCodes.Status400BadRequest || bodyLength > 0);

    private async Task AnswerFromStoredAsync(HttpContext context, StoredAnswer stored, byte[] hash)
    {
        if (stored.Status is null && stored.AnswerLost)
        {
            await Problems.WriteAsync(context, 409, "idempotency_key_interrupted", "Answer lost",
                "The request with this Idempotency-Key made its changes, but the server stopped before keeping its answer. Nothing was done twice: read the resources it changed to see the result, and send a new key to act again.");
            return;
        }
        if (stored.Status is null)
        {
            context.Response.Headers.RetryAfter = "1";
            await Problems.WriteAsync(context, 409, "idempotency_key_in_progress", "Request in progress",
                "A request with this Idempotency-Key is still being processed (or was interrupted after its changes were saved); nothing was done twice.");
            return;
        }
        if (!CryptographicOperations.FixedTimeEquals(stored.RequestHash ?? [], hash))
        {
            await Problems.WriteAsync(context, 409, "idempotency_key_reused", "Idempotency key reused",
                "This Idempotency-Key was used with another request; use a new key for a new request.");
            return;
        }
        if (stored.Body is null)
        {
            logger.LogWarning("A stored answer of organization {OrganizationId} opens with neither {Setting} nor {Previous}: its retries answer 503 until the key it was sealed under is configured again",
                Caller.From(context.User)?.OrganizationId, MasterKey.ConfigurationKey, MasterKey.PreviousConfigurationKey);
            throw new SecretKeyUnavailableException();
        }
        context.Response.StatusCode = stored.Status.Value;
        if (stored.ContentType is not null) context.Response.ContentType = stored.ContentType;
        foreach (var (name, value) in stored.Headers) context.Response.Headers[name] = value;
        context.Response.Headers["Idempotent-Replayed"] = "true";
        await context.Response.Body.WriteAsync(stored.Body, context.RequestAborted);
    }

    private static async Task<byte[]> HashRequestAsync(HttpRequest request)
    {
        request.EnableBuffering();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Path}{request.QueryString}\n"));
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0) sha.AppendData(chunk, 0, read);
        request.Body.Position = 0;
        return sha.GetHashAndReset();
    }

    /// <summary>In the erasure's transaction, after the key's row is deleted: retries then get the answers with the details erased.</summary>
    public static NpgsqlBatchCommand ForgetWholeAnswers(string dataKeyId)
    {
        var command = new NpgsqlBatchCommand("update idempotency_keys set whole_body = null where data_key_id = $1 and whole_body is not null");
        command.Parameters.Add(new NpgsqlParameter { Value = dataKeyId });
        return command;
    }

    private async Task<StoredAnswer?> FindAsync(string organizationId, string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select request_hash, status, content_type, headers::text, coalesce(whole_body, body), body_sealed, whole_body is not null, created_at < now() - $3 from idempotency_keys where organization_id = $1 and key = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = organizationId });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        command.Parameters.Add(new NpgsqlParameter { Value = AnswerLostAfter });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken)) return null;
        var status = reader.IsDBNull(1) ? null : (int?)reader.GetInt32(1);
        var answerLost = reader.GetBoolean(7);
        byte[]? body = reader.IsDBNull(4) ? [] : reader.GetFieldValue<byte[]>(4);
        if (status is not null && reader.GetBoolean(5))
        {
            try
            {
                body = masterKey.Unwrap(body, Context(organizationId, key, whole: reader.GetBoolean(6)));
            }
            catch (SecretKeyUnavailableException)
            {
                // Sealed under a master key no longer configured: the answer comes back with that key, so it is not lost.
                body = null;
            }
        }
        return new StoredAnswer(
            reader.IsDBNull(0) ? null : reader.GetFieldValue<byte[]>(0),
            status,
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? [] : JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(3)) ?? [],
            body,
            answerLost);
    }

    /// <summary>Completes this request's reservation, or records an answer that wrote nothing; false when another request holds the key.</summary>
    private async Task<bool> StoreAsync(string organizationId, string key, byte[] hash, HttpContext context, byte[] body, CancellationToken cancellationToken)
    {
        var response = context.Response;
        var headers = ReplayedHeaders.Where(name => response.Headers.ContainsKey(name)).ToDictionary(name => name, name => response.Headers[name].ToString());
        // Only an answer that shows the details carries them (a refusal does not, whatever the handler said before deciding).
        var said = response.StatusCode is >= 200 and < 300 ? context.Features.Get<PersonalDataInAnswer>() : null;
        var erased = said is null ? null : WithErased(body, said);
        var personalData = erased is null ? null : said;
        var kept = erased ?? body;
        // Completes the reservation made with the events, or records an answer that wrote nothing
        // (a refusal is replayed too, as the answer to that request). The whole answer is kept only
        // while the data key exists, held against its erasure until this commits: an erasure either
        // waits and then forgets the whole answer, or has deleted the key and the guard finds nothing.
        await using var command = dataSource.CreateCommand("""
            with guard as (select 1 from beneficiary_keys where key_id = $8 for share)
            insert into idempotency_keys (organization_id, key, request_hash, status, content_type, headers, body, body_sealed, data_key_id, whole_body)
            values ($1, $2, $3, $4, $5, $6::jsonb, $7, true, $8, case when exists (select from guard) then $9 end)
            on conflict (organization_id, key) do update
            set request_hash = excluded.request_hash, status = excluded.status, content_type = excluded.content_type,
                headers = excluded.headers, body = excluded.body, body_sealed = true,
                data_key_id = excluded.data_key_id, whole_body = excluded.whole_body
            where idempotency_keys.status is null and idempotency_keys.request_id = $10
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = organizationId });
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        command.Parameters.Add(new NpgsqlParameter { Value = hash });
        command.Parameters.Add(new NpgsqlParameter { Value = response.StatusCode });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)response.ContentType ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(headers) });
        command.Parameters.Add(new NpgsqlParameter { Value = masterKey.Wrap(kept, Context(organizationId, key, whole: false)) });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)personalData?.DataKeyId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = personalData is null ? DBNull.Value : masterKey.Wrap(body, Context(organizationId, key, whole: true)),
            NpgsqlDbType = NpgsqlDbType.Bytea,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = context.TraceIdentifier, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The answer with the details erased; null when it has no such property.</summary>
    private byte[]? WithErased(byte[] body, PersonalDataInAnswer personalData)
    {
        var options = json.Value.SerializerOptions;
        var property = options.PropertyNamingPolicy?.ConvertName(personalData.Property) ?? personalData.Property;
        if (JsonNode.Parse(body) is not JsonObject answer || !answer.ContainsKey(property)) return null;
        answer[property] = JsonSerializer.SerializeToNode(personalData.Erased, options);
        return JsonSerializer.SerializeToUtf8Bytes(answer, options);
    }

    /// <summary>Binds a sealed answer to its organization, key and copy: neither can be opened in another's place.</summary>
    private static string Context(string organizationId, string key, bool whole) => $"idempotency:{organizationId}:{key}" + (whole ? ":whole" : "");

    /// <summary>The stored answers, as <see cref="Context"/> binds them, for <see cref="SecretsRewrap"/>.</summary>
    public static readonly WrappedSecrets[] SealedAnswers =
    [
        new("stored idempotent answers",
            """
            select array[organization_id, key], 'idempotency:' || organization_id || ':' || key, body from idempotency_keys
            where (organization_id, key) > ($1[1], $1[2]) and body_sealed and status is not null order by organization_id, key limit $2
            """,
            "update idempotency_keys set body = $3 where organization_id = $1[1] and key = $1[2] and body = $2"),
        new("stored idempotent answers with contact details",
            """
            select array[organization_id, key], 'idempotency:' || organization_id || ':' || key || ':whole', whole_body from idempotency_keys
            where (organization_id, key) > ($1[1], $1[2]) and whole_body is not null order by organization_id, key limit $2
            """,
            "update idempotency_keys set whole_body = $3 where organization_id = $1[1] and key = $1[2] and whole_body = $2"),
    ];

    /// <param name="Body">Null when no configured master key opens it.</param>
    /// <param name="AnswerLost">No answer (<paramref name="Status"/> null) and none will come: see <see cref="AnswerLostAfter"/>.</param>
    private sealed record StoredAnswer(byte[]? RequestHash, int? Status, string? ContentType, Dictionary<string, string> Headers, byte[]? Body, bool AnswerLost);
}

public static class IdempotencyExtensions
{
    // Resolved per request: building the pipeline must not need the database (the build writes
    // the OpenAPI document by building the app without one).
    public static IApplicationBuilder UseIdempotencyKeys(this IApplicationBuilder app) =>
        app.Use((context, next) => context.RequestServices.GetRequiredService<Idempotency>().InvokeAsync(context, next));
}
