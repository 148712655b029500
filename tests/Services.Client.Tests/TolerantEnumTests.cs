using System.Text.Json;
using Services.Client.Models;

namespace Services.Client.Tests;

public sealed class TolerantEnumTests
{
    [Fact]
    public void A_status_the_api_added_later_reads_as_unknown_and_the_rest_of_the_answer_still_reads()
    {
        var json = """{"data":[{"id":"k1","label":"a","access":"full","status":"suspended","issuedAt":"2026-11-23T07:30:00Z"},{"id":"k2","label":"b","access":"read","status":"revoked","issuedAt":"2026-11-23T07:30:00Z"}],"next":null}""";

        var page = JsonSerializer.Deserialize<PageOfApiKeyResponse>(json, ServicesClient.JsonOptions)!;

        page.Data.Select(k => k.Status).ShouldBe([ApiKeyStatus.Unknown, ApiKeyStatus.Revoked]);
    }

    [Fact]
    public void Known_values_keep_their_wire_names_and_unknown_is_never_sent()
    {
        JsonSerializer.Serialize(Category.SpouseWelcome, ServicesClient.JsonOptions).ShouldBe("\"spouse_welcome\"");
        JsonSerializer.Deserialize<Category>("\"spouse_welcome\"", ServicesClient.JsonOptions).ShouldBe(Category.SpouseWelcome);
        Should.Throw<JsonException>(() => JsonSerializer.Serialize(Category.Unknown, ServicesClient.JsonOptions));
        Should.Throw<JsonException>(() => JsonSerializer.Deserialize<Category>("3", ServicesClient.JsonOptions));
    }
}
