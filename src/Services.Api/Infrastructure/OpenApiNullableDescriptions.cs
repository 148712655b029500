using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Services.Api.Infrastructure;

/// <summary>
/// A nullable property of a schema type comes out as <c>oneOf: [null, $ref]</c>, its description on the reference
/// inside: lifted to the property, where readers (and the docs page) look for what a field means.
/// </summary>
internal static class OpenApiNullableDescriptions
{
    public static Task ApplyAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var properties = (document.Components?.Schemas?.Values ?? []).OfType<OpenApiSchema>().SelectMany(schema => schema.Properties?.Values ?? []);
        foreach (var property in properties.OfType<OpenApiSchema>().Where(property => property.Description is null && property.OneOf is not null))
        {
            var described = property.OneOf!.OfType<OpenApiSchemaReference>().FirstOrDefault(choice => choice.Reference.Description is not null);
            if (described is null) continue;
            property.Description = described.Reference.Description;
            described.Reference.Description = null;
        }
        return Task.CompletedTask;
    }
}
