using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Services.Api.Common;

namespace Services.Api.Infrastructure;

/// <summary>The property (or query parameter) holds an id of this type (<see cref="Ids"/>): the API document gives its pattern.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class IdAttribute(string prefix) : Attribute
{
    public string Prefix { get; } = prefix;
}

/// <summary>The property holds a territory, or a list of them: the API document gives their pattern.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TerritoryAttribute : Attribute;

/// <summary>Writes the patterns of <see cref="IdAttribute"/> and <see cref="TerritoryAttribute"/> into the schemas, from the same rules <see cref="Validation"/> applies.</summary>
internal static class SchemaPatterns
{
    public static Task ApplyAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var attributes = context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(inherit: false) ?? [];
        foreach (var attribute in attributes)
        {
            var pattern = attribute switch
            {
                IdAttribute id => Ids.Pattern(id.Prefix),
                TerritoryAttribute => Validation.TerritoryPattern,
                _ => null,
            };
            if (pattern is null) continue;
            var target = schema.Items is OpenApiSchema items && schema.Type?.HasFlag(JsonSchemaType.Array) == true ? items : schema;
            target.Pattern = pattern;
        }
        return Task.CompletedTask;
    }
}
