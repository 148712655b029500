using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Services.Api.Infrastructure;

/// <summary>
/// A field of a partial change (PATCH) that keeps its value when left out and cannot be cleared with null: an explicit
/// null is refused (400 naming the field) instead of being read as left out, or a client sending null to clear it would
/// believe it had (see <see cref="LeaveOutToKeep"/>).
/// </summary>
/// <param name="instead">What to send for what a null sender most likely meant, when the field can be cleared another way.</param>
[AttributeUsage(AttributeTargets.Property)]
public sealed class LeaveOutToKeepAttribute(string? instead = null) : Attribute
{
    public string Message { get; } = "null is not accepted: leave the field out to keep its value." + (instead is null ? "" : " " + instead);
}

/// <summary>
/// Refuses the nulls of <see cref="LeaveOutToKeepAttribute"/> fields. Bound, a null and a field left out look the same,
/// so the raw body is read before binding (then read again by it); the contract shows these fields as not nullable.
/// </summary>
public static class LeaveOutToKeep
{
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, LeaveOutToKeepAttribute>> FieldsOfType = new();

    public static IApplicationBuilder UseNullsRefusedWhereLeavingOutKeeps(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var fields = context.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is { } type ? FieldsOfType.GetOrAdd(type, Fields) : null;
            if (fields is not { Count: > 0 })
            {
                await next(context);
                return;
            }
            context.Request.EnableBuffering();
            var errors = await NullsGivenAsync(context.Request, fields);
            context.Request.Body.Position = 0;
            if (errors.Count == 0) await next(context);
            else await Problems.Invalid(errors).ExecuteAsync(context);
        });

    public static Task ApplyAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is not null || context.JsonTypeInfo.Kind != JsonTypeInfoKind.Object || schema.Properties is null) return Task.CompletedTask;
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (property.AttributeProvider?.IsDefined(typeof(LeaveOutToKeepAttribute), inherit: false) != true
                || !schema.Properties.TryGetValue(property.Name, out var field)) continue;
            // A string, number or list says null in its type; an object says it in a oneOf, made after this runs (ApplyToDocumentAsync).
            if (field is OpenApiSchema { Type: { } nullable } value) value.Type = nullable & ~JsonSchemaType.Null;
        }
        return Task.CompletedTask;
    }

    /// <summary>An object field's null choice (<c>oneOf: [null, $ref]</c>, built once every schema is) leaves the document.</summary>
    public static Task ApplyToDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schemas = document.Components?.Schemas;
        if (schemas is null) return Task.CompletedTask;
        foreach (var type in typeof(LeaveOutToKeep).Assembly.GetTypes())
        {
            foreach (var name in Fields(type).Keys)
            {
                if (schemas.TryGetValue(type.Name, out var schema) && schema is OpenApiSchema { Properties: { } properties }
                    && properties.TryGetValue(name, out var field) && field is OpenApiSchema { OneOf: { Count: 2 } oneOf }
                    && oneOf.FirstOrDefault(choice => choice is OpenApiSchema { Type: JsonSchemaType.Null }) is { } nullChoice)
                    oneOf.Remove(nullChoice);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>The attributed fields of a request type, by JSON name (matched as binding matches them, ignoring case).</summary>
    private static IReadOnlyDictionary<string, LeaveOutToKeepAttribute> Fields(Type requestType) =>
        requestType.GetProperties()
            .Select(property => (Name: JsonNamingPolicy.CamelCase.ConvertName(property.Name), Attribute: property.GetCustomAttribute<LeaveOutToKeepAttribute>()))
            .Where(field => field.Attribute is not null)
            .ToDictionary(field => field.Name, field => field.Attribute!, StringComparer.OrdinalIgnoreCase);

    /// <summary>The attributed fields given as null; none when the body is not a JSON object (binding then says what is wrong).</summary>
    private static async Task<Dictionary<string, string[]>> NullsGivenAsync(HttpRequest request, IReadOnlyDictionary<string, LeaveOutToKeepAttribute> fields)
    {
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (body.RootElement.ValueKind != JsonValueKind.Object) return [];
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var field in body.RootElement.EnumerateObject())
            {
                if (field.Value.ValueKind == JsonValueKind.Null && fields.TryGetValue(field.Name, out var attribute)) errors[field.Name] = [attribute.Message];
            }
            return errors;
        }
        catch (JsonException)
        {
            return [];
        }
    }
}
