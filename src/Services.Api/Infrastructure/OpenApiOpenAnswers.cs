using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Services.Api.Infrastructure;

/// <summary>
/// Answers gain fields over time: a reader that checks them against the contract must take those it does
/// not know, so every schema an answer or a webhook delivery reaches is open, also those requests share
/// (<c>Money</c>). The schema generator closes every schema (<c>additionalProperties: false</c>), which stays
/// for what only requests send: the server refuses unknown fields there (400 naming them).
/// </summary>
internal static class OpenApiOpenAnswers
{
    public static Task ApplyAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null) return Task.CompletedTask;
        var operations = (document.Paths ?? new OpenApiPaths()).Values.SelectMany(path => (IEnumerable<OpenApiOperation>?)path.Operations?.Values ?? []);
        var deliveries = (document.Webhooks ?? new Dictionary<string, IOpenApiPathItem>()).Values.SelectMany(hook => (IEnumerable<OpenApiOperation>?)hook.Operations?.Values ?? []);
        var answers = operations.SelectMany(operation => (IEnumerable<IOpenApiResponse>?)operation.Responses?.Values ?? [])
            .SelectMany(response => (IEnumerable<OpenApiMediaType>?)response.Content?.Values ?? [])
            .Concat(deliveries.SelectMany(delivery => (IEnumerable<OpenApiMediaType>?)delivery.RequestBody?.Content?.Values ?? []))
            .Select(media => media.Schema);
        var answered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var answer in answers) Reach(answer, schemas, answered);
        foreach (var name in answered)
        {
            if (schemas.TryGetValue(name, out var found) && found is OpenApiSchema { AdditionalPropertiesAllowed: false } schema)
            {
                schema.AdditionalPropertiesAllowed = true;
                schema.AdditionalProperties = null;
            }
        }
        return Task.CompletedTask;
    }

    private static void Reach(IOpenApiSchema? schema, IDictionary<string, IOpenApiSchema> schemas, HashSet<string> reached)
    {
        switch (schema)
        {
            case OpenApiSchemaReference { Reference.Id: { } id }:
                if (reached.Add(id) && schemas.TryGetValue(id, out var target)) Reach(target, schemas, reached);
                break;
            case OpenApiSchema inline:
                IEnumerable<IOpenApiSchema?> parts =
                [
                    .. inline.Properties?.Values ?? [], inline.Items, inline.AdditionalProperties, inline.Not,
                    .. inline.AllOf ?? [], .. inline.OneOf ?? [], .. inline.AnyOf ?? [],
                ];
                foreach (var part in parts) Reach(part, schemas, reached);
                break;
        }
    }
}
