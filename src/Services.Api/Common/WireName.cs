using System.Globalization;
using System.Text.Json;

namespace Services.Api.Common;

/// <summary>How an enum value (<c>spouse_welcome</c>) or an instant (<c>2026-11-23T07:30:00Z</c>) reads on the wire, so refusal details use the API's words.</summary>
internal static class WireName
{
    public static string Of(Enum value) => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    public static string Of(DateTimeOffset instant) => instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);
}
