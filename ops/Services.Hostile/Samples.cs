using System.Globalization;
using System.Text.Json.Nodes;

namespace Services.Hostile;

/// <summary>
/// Well-formed values for a schema: world ids where the field is named after one (offerId,
/// companyId, …), otherwise a plausible value by name and type. Optional fields are sent only
/// when they name something of the world, so that a request is about that thing.
/// </summary>
internal sealed class Samples(Func<string, string?> worldValue)
{
    private static readonly DateTimeOffset Start = DateTimeOffset.UtcNow.Date.AddDays(20).AddHours(9);

    public JsonNode? Body(JsonObject schema) => Value(schema, "body");

    public JsonNode? Value(JsonObject schema, string name)
    {
        if (worldValue(name) is { } world)
            return schema.Type() == "array" ? new JsonArray(world) : JsonValue.Create(world);
        return schema.Type() switch
        {
            "object" => Object(schema),
            "array" => new JsonArray(Value(schema["items"]?.AsObject() ?? [], Singular(name))),
            "integer" or "number" => JsonValue.Create(Number(name)),
            "boolean" => JsonValue.Create(false),
            "enum" => JsonValue.Create(schema.EnumValues().First()),
            _ => JsonValue.Create(Text(schema, name)),
        };
    }

    private JsonObject Object(JsonObject schema)
    {
        var body = new JsonObject();
        foreach (var (name, property, required) in schema.Properties())
        {
            if (required || worldValue(name) is not null) body[name] = Value(property, name);
        }
        return body;
    }

    public static string Text(JsonObject schema, string name) => schema.Format() switch
    {
        "date-time" => World.Instant(name == "end" ? Start.AddHours(2) : Start),
        "date" => Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        _ => name switch
        {
            "timeZone" => "Europe/Paris",
            "currency" => "EUR",
            "url" => "https://hooks.invalid/hostile",
            "eventType" => "*",
            "month" => Start.ToString("yyyy-MM", CultureInfo.InvariantCulture),
            "beneficiaryRef" => "hostile-ref-1",
            _ => "hostile " + name,
        },
    };

    private static long Number(string name) => name switch
    {
        "amount" => 1000,
        "shareBasisPoints" => 1500,
        "quantity" => 1,
        _ => 2,
    };

    private static string Singular(string name) => name.EndsWith('s') ? name[..^1] : name;
}
