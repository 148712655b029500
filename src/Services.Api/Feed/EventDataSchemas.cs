using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Services.Api.Beneficiaries;
using Services.Api.Needs;
using Services.EventStore;

namespace Services.Api.Feed;

/// <summary>
/// The shape of each event's <c>data</c> in the contract: one schema per event, named after its type
/// (<c>booking.requested</c> → <c>BookingRequested</c>), and on <see cref="EventResponse"/> the map from
/// event name to schema (<c>x-event-data</c>). An integrator, or a generated client, then reads an
/// event's data as a typed record instead of guessing its fields from samples.
/// </summary>
internal static class EventDataSchemas
{
    public const string Extension = "x-event-data";

    public static async Task AddAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var registry = context.ApplicationServices.GetRequiredService<EventTypeRegistry>();
        document.Components ??= new OpenApiComponents();
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal);
        var schemaOfEvent = new JsonObject();
        foreach (var name in registry.Names.Order(StringComparer.Ordinal))
        {
            registry.TryGetType(name, out var type);
            if (document.Components.Schemas.ContainsKey(SchemaName(type)))
                throw new InvalidOperationException($"The schema of event {name} would be named {SchemaName(type)}, which another schema has.");
            var schema = await AddComponentAsync(type, document, context, cancellationToken);
            if (name.StartsWith(Need.StreamType + ".", StringComparison.Ordinal)) WithholdableRequester(schema);
            schemaOfEvent[name] = $"#/components/schemas/{SchemaName(type)}";
        }
        if (document.Components.Schemas.TryGetValue(nameof(EventResponse), out var found) && found is OpenApiSchema envelope)
        {
            envelope.Description = "An event as the change feed and webhook deliveries show it: subject names the resource it is about (its type and id; EventSubject.type says where to read it). The fields of its data, for each type, are the schema that x-event-data names (booking.requested → BookingRequested): contact details read as WithheldContact, and a partner reads a need's events without companyId.";
            envelope.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            envelope.Extensions[Extension] = new JsonNodeExtension(schemaOfEvent);
        }
    }

    /// <summary>
    /// The schema generator inlines the types an event holds (a fee, a category) and loses whether a
    /// record may be null: each becomes a reference to its own schema (the one answers use, when
    /// there is one), null allowed where the event's field is nullable.
    /// </summary>
    internal static async Task<OpenApiSchema> AddComponentAsync(Type type, OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var schema = await context.GetOrCreateSchemaAsync(type, parameterDescription: null, cancellationToken);
        // Events gain fields over time (with defaults, so that old ones stay readable): a reader must take those it does not know.
        schema.AdditionalProperties = null;
        schema.AdditionalPropertiesAllowed = true;
        document.Components!.Schemas![SchemaName(type)] = schema;
        if (type.IsEnum) return schema;
        var nullability = new NullabilityInfoContext();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var held = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (!(held.IsEnum || (held.IsClass && held != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(held)))) continue;
            if (!document.Components.Schemas.ContainsKey(SchemaName(held))) await AddComponentAsync(held, document, context, cancellationToken);
            var field = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            // The inlined schema said what the field is (its type's summary); the reference that replaces it says it too.
            var description = schema.Properties![field].Description;
            IOpenApiSchema reference = nullability.Create(property).ReadState == NullabilityState.Nullable
                ? new OpenApiSchema { OneOf = [new OpenApiSchema { Type = JsonSchemaType.Null }, new OpenApiSchemaReference(SchemaName(held), document)], Description = description }
                : new OpenApiSchemaReference(SchemaName(held), document) { Description = description };
            schema.Properties[field] = reference;
        }
        return schema;
    }

    /// <summary>Sealed contact details read as withheld in the feed (<see cref="WithheldContactAsync"/>): named for what is sent.</summary>
    internal static string SchemaName(Type type) => type == typeof(SealedContact) ? "WithheldContact" : type.Name;

    /// <summary>Contact details never leave in the feed or a webhook (<see cref="EventResponse"/>): their place says so.</summary>
    public static Task WithheldContactAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type != typeof(SealedContact)) return Task.CompletedTask;
        schema.Description = "Personal data is withheld from the change feed and webhooks: read the booking (GET /v1/bookings/{bookingId}) for its contact details.";
        schema.Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create("withheld")], Description = "Always withheld: contact details never leave in the feed or a webhook." },
        };
        schema.Required = new HashSet<string>(StringComparer.Ordinal) { "status" };
        return Task.CompletedTask;
    }

    /// <summary>Partners read needs without the company that recorded them (<see cref="EventResponse.WithholdsRequester"/>).</summary>
    private static void WithholdableRequester(OpenApiSchema schema)
    {
        if (schema.Properties is null || !schema.Properties.TryGetValue("companyId", out var found) || found is not OpenApiSchema companyId) return;
        schema.Required?.Remove("companyId");
        companyId.Description = "Absent when a partner reads it.";
    }
}
