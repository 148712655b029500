using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Services.Api.Infrastructure;

/// <summary>
/// Instants go out as RFC 3339 in UTC with a 'Z' (<c>2026-11-23T07:30:00Z</c>); any offset is accepted
/// in, but an offset there must be: a time without one would be read in the server's time zone. In to
/// the microsecond, as PostgreSQL keeps instants (and as <see cref="MicrosecondClock"/> makes them): an
/// instant read from an event and the same one from a read model are equal (a slot's start, a booking's requestedAt).
/// </summary>
public sealed partial class UtcInstantConverter : JsonConverter<DateTimeOffset>
{
    public const string OffsetRequired = "An instant with its offset is expected, e.g. 2026-11-23T07:30:00Z or 2026-11-23T08:30:00+01:00.";

    /// <summary>
    /// <see cref="OffsetRequired"/>, for an instant of a query string: there a '+' left unencoded reads as a space, so
    /// <c>…T00:00:00+01:00</c> arrives as <c>…T00:00:00 01:00</c>, an offset the sender did give. Said so, with the cure.
    /// </summary>
    public static string OffsetRequiredInQuery(string? value) =>
        value is not null && SpaceForPlus().IsMatch(value)
            ? $"{OffsetRequired} Its '+' arrived as a space: in a query string, encode it as %2B (2026-11-23T08:30:00%2B01:00), or give the instant in UTC with Z."
            : OffsetRequired;

    [GeneratedRegex(@"T\d{2}:\d{2}(:\d{2}(\.\d+)?)? \d{2}:?\d{2}$")]
    private static partial Regex SpaceForPlus();

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (!HasOffset(reader.GetString() ?? "")) throw new JsonException(OffsetRequired);
        return ToMicrosecond(reader.GetDateTimeOffset());
    }

    public static DateTimeOffset ToMicrosecond(DateTimeOffset value) => value.AddTicks(-(value.Ticks % TimeSpan.TicksPerMicrosecond));

    /// <summary>Whether an instant's text names its offset ('Z' or ±hh:mm after the time).</summary>
    public static bool HasOffset(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var time = text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
        return time >= 0 && text.AsSpan(time).IndexOfAny("Zz+-") >= 0;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(Common.WireName.Of(value));
    }
}
