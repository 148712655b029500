using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using Services.Api.Common;

namespace Services.Api.Infrastructure;

/// <summary>
/// Enums in requests and answers as their wire names (<c>spouse_welcome</c>), read exactly. The framework's
/// string converter also reads a comma list as flags and trims spaces, so <c>"attended, no_show"</c> would record
/// a no-show and <c>"mobility, childcare"</c> publish a spouse-welcome offer: here anything but one wire name is a 400.
/// </summary>
public sealed class WireEnumConverter : JsonConverterFactory
{
    /// <summary>How the refusal of a value that is no wire name begins; it goes on with the names allowed.</summary>
    public const string OneOfPrefix = "One of: ";

    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Exact<>).MakeGenericType(typeToConvert))!;

    private sealed class Exact<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
    {
        private static readonly FrozenDictionary<TEnum, string> Names = Enum.GetValues<TEnum>().ToFrozenDictionary(value => value, value => WireName.Of(value));
        private static readonly FrozenDictionary<string, TEnum> Values = Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);
        private static readonly string OneOf = $"{OneOfPrefix}{string.Join(", ", Names.Values)}.";

        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.String && Values.TryGetValue(reader.GetString()!, out var value) ? value : throw new JsonException(OneOf);

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(Names[value]);
        }

        public override TEnum ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            Read(ref reader, typeToConvert, options);

        public override void WriteAsPropertyName(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WritePropertyName(Names[value]);
        }
    }
}
