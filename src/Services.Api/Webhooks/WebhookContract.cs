using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Services.Api.Feed;
using Services.EventStore;

namespace Services.Api.Webhooks;

/// <summary>
/// What a receiver gets, as the OpenAPI 3.1 <c>webhooks</c> section: one POST per event name, its body
/// the event as the feed shows it with that name's data, and the headers the worker sends. Generators
/// that read the section make the receiver's side (its models, its route), and the docs show it.
/// </summary>
internal static class WebhookContract
{
    private static readonly WebhookOptions Defaults = new();

    private static readonly (string Name, string Description, OpenApiSchema Schema)[] Headers =
    [
        (WebhookSignature.Header,
            "t=<unix seconds>,v1=<hex HMAC-SHA256 of \"<t>.<raw body>\" keyed with the webhook's secret (the whole whsec_… string, UTF-8)>. " +
            "Verify it on the raw body before parsing, compare in constant time, and refuse a t more than 5 minutes from your clock (replays).",
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^t=[0-9]+(,v1=[0-9a-f]{64})+$" }),
        (WebhookDeliveryWorker.EventIdHeader,
            "The event's id, as in the body and the change feed: the same on every attempt and redelivery. De-duplicate on it.",
            new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" }),
        (WebhookDeliveryWorker.DeliveryIdHeader,
            "The delivery (this event to this webhook), as GET /v1/webhooks/{webhookId}/deliveries lists it.",
            new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^dlv_[0-9a-f]{24}$" }),
    ];

    public static async Task AddAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var registry = context.ApplicationServices.GetRequiredService<EventTypeRegistry>();
        document.Webhooks ??= new Dictionary<string, IOpenApiPathItem>(StringComparer.Ordinal);
        foreach (var name in registry.Names.Order(StringComparer.Ordinal))
        {
            registry.TryGetType(name, out var type);
            var data = EventDataSchemas.SchemaName(type);
            document.Webhooks[name] = Delivery(document, $"on{data}", name, Describe(document, data), Body(document, name, data));
        }
        var ping = await EventDataSchemas.AddComponentAsync(typeof(WebhookPing), document, context, cancellationToken);
        ((OpenApiSchema)ping.Properties!["type"]).Const = WebhookPing.Name;
        // Its reference replaced the inlined schema, which said what a subject is, not which one.
        ((OpenApiSchemaReference)ping.Properties["subject"]).Description = "The webhook pinged: {\"type\": \"webhook\", \"id\": \"whk_…\"}.";
        document.Webhooks[WebhookPing.Name] = Delivery(document, "onWebhookPing", WebhookPing.Name,
            "Sent to one webhook when POST /v1/webhooks/{webhookId}/ping asks for it, whatever its eventTypes: a test of the receiver. " +
            "Not an event: it has no streamId nor position and is not in the change feed. Answer it as any delivery (2xx): its attempts show in the webhook's deliveries.",
            new OpenApiSchemaReference(nameof(WebhookPing), document));
    }

    private static OpenApiPathItem Delivery(OpenApiDocument document, string operationId, string name, string description, IOpenApiSchema body) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Post] = new()
            {
                OperationId = operationId,
                Summary = name,
                Description = description,
                Tags = new HashSet<OpenApiTagReference> { new("Webhooks", document) },
                Parameters = [.. Headers.Select(header => (IOpenApiParameter)new OpenApiParameter
                {
                    Name = header.Name, In = ParameterLocation.Header, Required = true, Description = header.Description, Schema = header.Schema,
                })],
                RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new() { Schema = body },
                    },
                },
                Responses = new OpenApiResponses
                {
                    ["2XX"] = new OpenApiResponse { Description = "Received: the delivery is done. Answer at once and do the work afterwards." },
                    ["default"] = new OpenApiResponse
                    {
                        Description = $"Any other answer (a redirect too), or none within {Defaults.AttemptTimeoutSeconds:0} s by default, fails the attempt: it is retried with " +
                            $"exponential back-off and jitter, by default {Defaults.MaxAttempts} attempts over about a day, then the delivery is failed and can be " +
                            "redelivered. While a receiver's host keeps failing, attempts to it are paused and counted as failed without a request.",
                    },
                },
            },
        },
    };

    /// <summary>The envelope, its <c>type</c> this name alone and its <c>data</c> this name's schema.</summary>
    private static OpenApiSchema Body(OpenApiDocument document, string name, string data) => new()
    {
        AllOf =
        [
            new OpenApiSchemaReference(nameof(EventResponse), document),
            new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
                {
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Const = name },
                    ["data"] = new OpenApiSchemaReference(data, document),
                },
            },
        ],
    };

    private static string Describe(OpenApiDocument document, string data)
    {
        var what = document.Components?.Schemas?.TryGetValue(data, out var schema) == true && schema.Description is { } description ? description + "\n\n" : "";
        return what + "Sent to each enabled webhook whose eventTypes match this name, of an organization that may see the event (as in the change feed), " +
            "for events after the webhook was registered. " +
            "Deliveries are at least once and in no guaranteed order: de-duplicate on the event id, order by position (two integers compared as a pair, not a decimal number).";
    }
}
