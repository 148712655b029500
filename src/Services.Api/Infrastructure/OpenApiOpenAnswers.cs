using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Services.Api.Infrastructure;

/// <summary>
/// Answers gain fields over time: a reader that checks them against the contract must take those it does
/// not know, so the schemas only answers use are open. The schema generator closes every schema
/// (<c>additionalProperties: false</c>), which is right for what requests send, since the server refuses
/// unknown fields (400 naming them); schemas a request body reaches stay closed.
/// </summary>
internal static class OpenApiOpenAnswers
{
    public static Task ApplyAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null) return Task.CompletedTask;
        var sent = new HashSet<string>(StringComparer.Ordinal);
        var bodies = (document.Paths ?? new OpenApiPaths()).Values
            .SelectMany(path => (IEnumerable<OpenApiOperation>?)path.Operations?.Values ?? [])
            .SelectMany(operation => (IEnumerable<OpenApiMediaType>?)operation.RequestBody?.Content?.Values ?? [])
            .Select(media => media.Schema);
        foreach (var body in bodies) Reach(body, schemas, sent);
        foreach (var (name, schema) in schemas)
        {
            if (sent.Contains(name) || schema is not OpenApiSchema { AdditionalPropertiesAllowed: false } answered) continue;
            answered.AdditionalPropertiesAllowed = true;
            answered.AdditionalProperties = null;
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
