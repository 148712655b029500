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
    private const string RetryAfter = "Retry-After";
    private const string IfMatch = "If-Match";
    private const string Replayed = "Idempotent-Replayed";

    private static readonly string[] RateLimitHeaders = ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"];

    private static readonly (string Name, JsonSchemaType Type, string Description)[] Headers =
    [
        ("RateLimit-Limit", JsonSchemaType.Integer, "Requests this API key (or, without a valid key, this client address) may burst."),
        ("RateLimit-Remaining", JsonSchemaType.Integer, "Requests left in the burst now."),
        ("RateLimit-Reset", JsonSchemaType.Integer, "Seconds until the burst is whole again."),
        (RetryAfter, JsonSchemaType.Integer, "Seconds to wait before retrying."),
        ("ETag", JsonSchemaType.String, "The resource's version: send it back as If-Match to change the resource only if nobody did meanwhile."),
        (Writes.PositionHeader, JsonSchemaType.String, "The change feed position of the last event written: pass it as minPosition to a read model to read your own write."),
        ("Location", JsonSchemaType.String, "The created resource."),
        (Replayed, JsonSchemaType.String, "true when this is the stored answer of an earlier request with the same Idempotency-Key."),
    ];

    /// <summary>The headers above, once, for the operations' answers to refer to.</summary>
    public static Task AddHeadersAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.Headers ??= new Dictionary<string, IOpenApiHeader>();
        foreach (var (name, type, description) in Headers)
            document.Components.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = type } };
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
                "Any unique string (a UUID): a retry with the same key and body gets the first answer again and changes nothing twice; keys live 48 hours per organization.",
                Idempotency.MaxKeyLength));
            operation.Responses.TryAdd("409", new OpenApiResponse { Description = "Conflict" });
            operation.Responses["409"].Description += ". Also idempotency_key_reused (this key came with another request), idempotency_key_in_progress (its first request is still running: retry after Retry-After) or idempotency_key_interrupted (its first request made its changes but its answer was lost: read the result, do not retry).";
        }
        if (metadata.OfType<IfMatchHonoured>().Any())
            operation.Parameters.Add(Header(IfMatch, "An ETag of this resource, or a list of them: the change is made only if one of them is still the current version (else 412 version_mismatch). Compared strongly: a weak tag (W/\"3\") matches nothing."));
        operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Rate limited (rate_limited): wait for Retry-After." });
        var waitsForReadModel = context.Description.ParameterDescriptions.Any(parameter => parameter.Name == "minPosition");
        operation.Responses.TryAdd("503", new OpenApiResponse());
        operation.Responses["503"].Description = "The database is unavailable or the resource too busy (database_unavailable, busy" +
            (waitsForReadModel ? "; read_model_lagging: the read model did not reach minPosition within 5 s" : "") + "): retry after Retry-After.";

        foreach (var (status, response) in operation.Responses)
        {
            if (response is not OpenApiResponse answer) continue;
            answer.Headers ??= new Dictionary<string, IOpenApiHeader>();
            if (status is "429" or "503") answer.Headers[RetryAfter] = new OpenApiHeaderReference(RetryAfter, document);
            if (status.StartsWith('4') || status.StartsWith('5')) answer.Content ??= ProblemContent(document);
            // Sent on other answers too, but these are where a client reads them.
            if (status is "429" || status.StartsWith('2'))
            {
                foreach (var name in RateLimitHeaders) answer.Headers[name] = new OpenApiHeaderReference(name, document);
            }
            if (!status.StartsWith('2')) continue;
            if (versioned is not null) answer.Headers["ETag"] = new OpenApiHeaderReference("ETag", document);
            if (status == "201") answer.Headers["Location"] = new OpenApiHeaderReference("Location", document);
            if (isChange && versioned is { WritesEvents: true }) answer.Headers[Writes.PositionHeader] = new OpenApiHeaderReference(Writes.PositionHeader, document);
            if (isChange) answer.Headers[Replayed] = new OpenApiHeaderReference(Replayed, document);
        }
        return Task.CompletedTask;
    }

    private static OpenApiParameter Header(string name, string description, int? maxLength = null) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MaxLength = maxLength },
    };

    private static Dictionary<string, OpenApiMediaType> ProblemContent(OpenApiDocument document) => new()
    {
        ["application/problem+json"] = new OpenApiMediaType { Schema = new OpenApiSchemaReference(ProblemSchema, document) },
    };
}
