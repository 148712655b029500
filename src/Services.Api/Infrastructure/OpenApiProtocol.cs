using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Services.Api.Infrastructure;

/// <summary>
/// Declares in the API document what the middleware does around every operation (idempotency keys,
/// versions, rate limits, the database's availability), so that a client generated from the
/// document can send those headers, read them, and expect those answers.
/// </summary>
internal static class OpenApiProtocol
{
    private const string ProblemSchema = "ProblemDetails";
    private const string ValidationProblemSchema = "HttpValidationProblemDetails";
    private const string RetryAfter = "Retry-After";
    private const string IfMatch = "If-Match";
    private const string IfNoneMatch = "If-None-Match";
    private const string Replayed = "Idempotent-Replayed";

    private const string ProblemCodesExtension = "x-problem-codes";

    private static readonly string[] RateLimitHeaders = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"];

    /// <summary>The codes of the answers that middleware or shared code gives for each status, whichever operation it is.</summary>
    private static readonly Dictionary<string, string[]> CommonProblemCodes = new(StringComparer.Ordinal)
    {
        ["400"] = ["invalid_request", "bad_request"],
        ["401"] = ["unauthorized", Security.ApiKeyAuthenticationHandler.ExpiredCode],
        ["403"] = ["forbidden"],
        ["404"] = ["not_found"],
        ["412"] = ["version_mismatch"],
        ["413"] = ["body_too_large"],
        ["414"] = ["url_too_long"],
        ["415"] = ["unsupported_media_type"],
        ["429"] = ["rate_limited"],
        ["503"] = ["database_unavailable", "busy"],
    };

    /// <summary>The codes of the Idempotency-Key's own answers, on every change (which all take one).</summary>
    private static readonly Dictionary<string, string[]> IdempotencyProblemCodes = new(StringComparer.Ordinal)
    {
        ["409"] = ["idempotency_key_reused", "idempotency_key_in_progress", "idempotency_key_interrupted"],
        // The first answer was sealed under a master key no longer configured: it comes back with that key.
        ["503"] = [Security.SecretKeyUnavailableException.Code],
    };

    private static readonly (string Name, JsonSchemaType Type, string Description)[] Headers =
    [
        ("RateLimit-Limit", JsonSchemaType.Integer, "Requests this API key (or, without a valid key, this client address) may burst."),
        ("RateLimit-Remaining", JsonSchemaType.Integer, "Requests left in the burst now."),
        ("RateLimit-Reset", JsonSchemaType.Integer, "Seconds until the burst is whole again."),
        (RetryAfter, JsonSchemaType.Integer, "Seconds to wait before retrying."),
        ("ETag", JsonSchemaType.String, "The resource's version: send it back as If-Match to change the resource only if nobody did meanwhile, or as If-None-Match to read it only if it changed."),
        (Writes.PositionHeader, JsonSchemaType.String, "The change feed position of the last event written (of the event that made the resource so, when nothing had to change): pass it as minPosition to a read model to read your own write."),
        ("Location", JsonSchemaType.String, "The created resource (201), or where to follow what was accepted (202)."),
        (Replayed, JsonSchemaType.String, "true when this is the stored answer of an earlier request with the same Idempotency-Key."),
    ];

    /// <summary>The headers above, once, for the operations' answers to refer to.</summary>
    public static Task AddHeadersAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var (name, type, description) in Headers)
        {
            document.Components.Headers[name] = new OpenApiHeader
            {
                Description = description,
                Schema = new OpenApiSchema { Type = type, Pattern = name == Writes.PositionHeader ? ReadModels.ReadYourWrites.PositionPattern : null },
            };
        }
        return Task.CompletedTask;
    }

    public static Task DescribeAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document!;
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var isChange = !HttpMethods.IsGet(context.Description.HttpMethod ?? HttpMethods.Get);
        var versioned = metadata.OfType<VersionedAnswer>().FirstOrDefault();
        operation.Parameters ??= [];
        operation.Responses ??= [];
        if (isChange)
        {
            operation.Parameters.Add(Header(Idempotency.Header,
                "Any unique string (a UUID): a retry with the same key, path and body (byte for byte: keep the bytes you sent, do not serialize again) gets the first answer again and changes nothing twice; keys live 48 hours per organization. An answer 400 or 412 is not kept: the change did not run, and a retry with the same key (corrected, or with the fresh ETag) runs. A refusal (409 with a business rule's code) is an answer like any other: it is kept and replayed, even one that time lifts (slot_not_started, slot_full): to try again later, send a new key. A first answer kept under a master key the platform is no longer configured with is 503 secret_key_unavailable until its operator configures that key again: retry then with the same key, not a new one.",
                Idempotency.MaxKeyLength));
            operation.Responses.TryAdd("409", new OpenApiResponse());
        }
        var refusals = DeclaredCodes(metadata, "409").ToList();
        if (operation.Responses.TryGetValue("409", out var conflict) && conflict is OpenApiResponse conflictAnswer)
        {
            // An operation no business rule refuses says so, rather than a bare "Conflict." a client cannot act on.
            conflictAnswer.Description = string.Join(" ",
                refusals.Count > 0 ? $"A business rule refused the request; the problem's type ends with its code: {string.Join(", ", refusals)}." : "No business rule refuses this request.",
                isChange ? (refusals.Count > 0 ? "Also " : "Only the Idempotency-Key's answers: ") + "idempotency_key_reused (this key came with another request), idempotency_key_in_progress (its first request is still running: retry after Retry-After) or idempotency_key_interrupted (its first request made its changes but its answer was lost: read the result, do not retry)." : "").TrimEnd();
        }
        if (metadata.OfType<IfMatchHonoured>().Any())
            operation.Parameters.Add(Header(IfMatch, "An ETag of this resource, or a list of them: the change is made only if one of them is still the current version (else 412 version_mismatch). Compared strongly: a weak tag (W/\"3\") matches nothing."));
        if (metadata.OfType<IfNoneMatchHonoured>().Any())
        {
            operation.Parameters.Add(Header(IfNoneMatch, "The ETag of the copy you hold, or a list of them, or *: when one is still the current version, the answer is 304 Not Modified, without a body. Compared weakly: W/\"3\" names version 3 as \"3\" does. A header that is not a list of entity tags (or * alone) is 400 invalid_request, as for If-Match, before anything is looked up; a well-formed one never turns a 404 (a resource that does not exist, or that you may not see) into a 304."));
            operation.Responses.TryAdd("304", new OpenApiResponse { Description = "Not Modified: the copy If-None-Match named is current. No body; the ETag and the rate-limit headers as on 200." });
        }
        // Every operation refuses query parameters it does not take (KnownQueryParameters), and any
        // request a body or URL over the limits (RequestSizeLimits), whether the operation takes a body or not.
        operation.Responses.TryAdd("400", new OpenApiResponse { Description = "Bad Request", Content = ProblemContent(document, ValidationProblemSchema) });
        operation.Responses.TryAdd("413", new OpenApiResponse { Description = "The body is larger than this API takes (body_too_large)." });
        operation.Responses.TryAdd("414", new OpenApiResponse { Description = "The URL, path and query, is longer than this API takes (url_too_long)." });
        if (operation.RequestBody is not null)
            operation.Responses.TryAdd("415", new OpenApiResponse { Description = "The body is not JSON (unsupported_media_type): send Content-Type: application/json." });
        operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Rate limited (rate_limited): wait for Retry-After." });
        var waitsForReadModel = context.Description.ParameterDescriptions.Any(parameter => parameter.Name == "minPosition");
        operation.Responses.TryAdd("503", new OpenApiResponse());
        var unavailable = DeclaredCodes(metadata, "503").Concat(isChange ? IdempotencyProblemCodes["503"] : []).Distinct(StringComparer.Ordinal).ToList();
        var keyMissing = unavailable.Remove(Security.SecretKeyUnavailableException.Code);
        operation.Responses["503"].Description = "The database is unavailable or the resource too busy (database_unavailable, busy" +
            (waitsForReadModel ? "; read_model_lagging: the read model did not catch up within 5 s" : "") +
            string.Concat(unavailable.Select(code => "; " + code)) + ")" +
            (keyMissing ? ", or a secret kept for this request opens with none of the platform's master keys until its operator configures that key again (secret_key_unavailable)" : "") +
            ": retry after Retry-After.";

        foreach (var (status, response) in operation.Responses)
        {
            if (response is not OpenApiResponse answer) continue;
            answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
            // A 409 carries it when the key's first request is still running (idempotency_key_in_progress).
            if (status is "429" or "503" || (status == "409" && isChange)) answer.Headers[RetryAfter] = new OpenApiHeaderReference(RetryAfter, document);
            if (status.StartsWith('4') || status.StartsWith('5'))
            {
                answer.Content ??= ProblemContent(document, ProblemSchema);
                DeclareProblemCodes(answer, ProblemCodesOf(status, metadata, isChange, waitsForReadModel));
            }
            // Every answer past the size limits carries them (a 503 of a database not yet migrated does not).
            if (status is not ("413" or "414"))
            {
                foreach (var name in RateLimitHeaders) answer.Headers[name] = new OpenApiHeaderReference(name, document);
            }
            // RFC 9110, 15.4.5: a 304 carries the ETag a 200 would have.
            if (versioned is not null && (status.StartsWith('2') || status == "304")) answer.Headers["ETag"] = new OpenApiHeaderReference("ETag", document);
            if (!status.StartsWith('2')) continue;
            if (status is "201" or "202") answer.Headers["Location"] = new OpenApiHeaderReference("Location", document);
            if (isChange && (versioned is { WritesEvents: true } || metadata.OfType<PositionedAnswer>().Any())) answer.Headers[Writes.PositionHeader] = new OpenApiHeaderReference(Writes.PositionHeader, document);
            if (isChange) answer.Headers[Replayed] = new OpenApiHeaderReference(Replayed, document);
        }
        return Task.CompletedTask;
    }

    private static List<string> ProblemCodesOf(string status, IList<object> metadata, bool isChange, bool waitsForReadModel)
    {
        var codes = new List<string>(CommonProblemCodes.GetValueOrDefault(status, []));
        codes.AddRange(DeclaredCodes(metadata, status));
        if (isChange) codes.AddRange(IdempotencyProblemCodes.GetValueOrDefault(status, []));
        if (isChange && status == "403") codes.Add(Security.ReadOnlyKeys.Code);
        if (status == "503" && waitsForReadModel) codes.Add("read_model_lagging");
        return codes;
    }

    /// <summary>The codes the endpoint declared for <paramref name="status"/> (<see cref="ProblemCodesExtensions"/>).</summary>
    private static IEnumerable<string> DeclaredCodes(IList<object> metadata, string status) =>
        metadata.OfType<ProblemCodes>().Where(declared => declared.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) == status).SelectMany(declared => declared.Codes);

    /// <summary>Machine-readable, for clients that map each code to their own handling.</summary>
    private static void DeclareProblemCodes(OpenApiResponse answer, List<string> codes)
    {
        if (codes.Count == 0) return;
        answer.Extensions ??= new Dictionary<string, IOpenApiExtension>();
        answer.Extensions[ProblemCodesExtension] = new JsonNodeExtension(new JsonArray([.. codes.Distinct(StringComparer.Ordinal).Select(code => JsonValue.Create(code))]));
    }

    private static OpenApiParameter Header(string name, string description, int? maxLength = null) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = maxLength },
    };

    private static Dictionary<string, OpenApiMediaType> ProblemContent(OpenApiDocument document, string schema) => new()
    {
        ["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(schema, document) },
    };
}
