using System.Text.Json.Serialization;

namespace Services.Api.Security;

/// <summary>What a key may do within its organization's permissions: everything (full), or only read (GET), so that a leaked dashboard's key cannot change anything.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ApiKeyAccess>))]
public enum ApiKeyAccess
{
    [JsonStringEnumMemberName("full")] Full,
    [JsonStringEnumMemberName("read")] Read,
}
