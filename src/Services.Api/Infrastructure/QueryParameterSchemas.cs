using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc.Infrastructure;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Services.Api.Common;

namespace Services.Api.Infrastructure;

/// <summary>
/// The query parameter takes one of the values of <paramref name="values"/>, by its wire name
/// (<c>spouse_welcome</c>): the API document lists them. The handler binds it as text and checks it
/// itself, so that a wrong value gets our 400 naming the values rather than the framework's.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
public sealed class OneOfAttribute(Type values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = [.. Enum.GetValues(values).Cast<Enum>().Select(WireName.Of)];
}

/// <summary>What the generator leaves out of a query parameter's schema.</summary>
internal static class QueryParameterSchemas
{
    public static Task ApplyAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        foreach (var description in context.Description.ParameterDescriptions)
        {
            if (description.Source != BindingSource.Query) continue;
            var parameter = operation.Parameters?.OfType<OpenApiParameter>()
                .FirstOrDefault(p => p.In == ParameterLocation.Query && string.Equals(p.Name, description.Name, StringComparison.Ordinal));
            if (parameter?.Schema is not OpenApiSchema schema) continue;
            // A query parameter is given or not; it is never null (the generator says so of a nullable instant).
            if (schema.Type is { } type) schema.Type = type & ~JsonSchemaType.Null;
            var info = (description.ParameterDescriptor as IParameterInfoParameterDescriptor)?.ParameterInfo;
            if (info?.GetCustomAttribute<OneOfAttribute>() is { } oneOf) schema.Enum = [.. oneOf.Values.Select(value => (JsonNode)JsonValue.Create(value))];
            if (info?.GetCustomAttribute<IdAttribute>() is { } id) schema.Pattern = Ids.Pattern(id.Prefix);
        }
        return Task.CompletedTask;
    }
}
