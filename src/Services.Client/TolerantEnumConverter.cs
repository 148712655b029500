using System.Text.Json;
using System.Text.Json.Serialization;

namespace Services.Client;

/// <summary>
/// Enums of the API as their wire names, read forward-compatibly: a value the API added after this
/// client was generated reads as the enum's <c>Unknown</c> member (-1) instead of failing the whole
/// answer (and every later page of a list). <c>Unknown</c> is never sent.
/// </summary>
public sealed class TolerantEnumConverter<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
{
    private static readonly TEnum Unknown = (TEnum)Enum.ToObject(typeof(TEnum), -1);

    private JsonConverter<TEnum>? _wireNames;

    public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String) throw new JsonException($"A {typeof(TEnum).Name} is a string.");
        // A string token is read whole where it stands: a failed attempt on a copy leaves the reader as it was.
        var attempt = reader;
        try
        {
            return WireNames(options).Read(ref attempt, typeToConvert, options);
        }
        catch (JsonException)
        {
            return Unknown;
        }
    }

    public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
    {
        if (value.Equals(Unknown)) throw new JsonException($"{typeof(TEnum).Name}.Unknown stands for a value this client does not know; it cannot be sent.");
        WireNames(options).Write(writer, value, options);
    }

    private JsonConverter<TEnum> WireNames(JsonSerializerOptions options) =>
        _wireNames ??= (JsonConverter<TEnum>)new JsonStringEnumConverter<TEnum>(allowIntegerValues: false).CreateConverter(typeof(TEnum), options);
}
