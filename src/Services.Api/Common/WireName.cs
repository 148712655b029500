using System.Text.Json;

namespace Services.Api.Common;

/// <summary>How an enum value reads on the wire (<c>spouse_welcome</c>), so refusal details use the API's words.</summary>
internal static class WireName
{
    public static string Of(Enum value) => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());
}
