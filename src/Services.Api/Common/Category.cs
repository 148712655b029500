using System.Text.Json.Serialization;

namespace Services.Api.Common;

/// <summary>The four kinds of shared service. Serialized as snake_case strings (<c>spouse_welcome</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Category>))]
public enum Category
{
    [JsonStringEnumMemberName("concierge")] Concierge,
    [JsonStringEnumMemberName("mobility")] Mobility,
    [JsonStringEnumMemberName("childcare")] Childcare,
    [JsonStringEnumMemberName("spouse_welcome")] SpouseWelcome,
}

/// <summary>What an organization is, which decides what it may do.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OrganizationKind>))]
public enum OrganizationKind
{
    [JsonStringEnumMemberName("club")] Club,
    [JsonStringEnumMemberName("company")] Company,
    [JsonStringEnumMemberName("provider")] Provider,
    [JsonStringEnumMemberName("partner")] Partner,
    [JsonStringEnumMemberName("operator")] Operator,
}
