using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Services.Api.Infrastructure;

/// <summary>
/// A member of an answer added after answers of its type were kept under Idempotency-Keys, or bodies of its type
/// in webhook deliveries: a replay or a redelivery of one of those lacks it, so the contract does not require it
/// (a strict reader then takes the replay).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AddedLaterAttribute : Attribute
{
    public static Task ApplyAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonPropertyInfo is not null || context.JsonTypeInfo.Kind != JsonTypeInfoKind.Object || schema.Required is null) return Task.CompletedTask;
        foreach (var property in context.JsonTypeInfo.Properties)
        {
            if (property.AttributeProvider?.IsDefined(typeof(AddedLaterAttribute), inherit: false) == true) schema.Required.Remove(property.Name);
        }
        return Task.CompletedTask;
    }
}
