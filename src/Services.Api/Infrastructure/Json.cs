using System.Text.Json;
using System.Text.Json.Serialization;

namespace Services.Api.Infrastructure;

public static class Json
{
    /// <summary>
    /// Strict on input: unknown or repeated fields, missing required fields, nulls where a value is required,
    /// numbers for enums, anything but one of an enum's wire names, and deep nesting are all refused (and answered 400 naming the field).
    /// </summary>
    public static void Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        options.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.RespectNullableAnnotations = true;
        options.RespectRequiredConstructorParameters = true;
        options.NumberHandling = JsonNumberHandling.Strict;
        options.AllowTrailingCommas = false;
        options.AllowDuplicateProperties = false;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        options.MaxDepth = 32;
        options.Converters.Add(new WireEnumConverter());
        options.Converters.Add(new UtcInstantConverter());
    }

    /// <summary>Options for events in the store: same shapes, lenient on read so old events stay readable.</summary>
    public static JsonSerializerOptions ForEvents()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        // Written as the API writes instants ("…Z"), since the feed and webhooks show events' data as stored;
        // events stored before read "+00:00", which reads back the same.
        options.Converters.Add(new UtcInstantConverter());
        return options;
    }
}
