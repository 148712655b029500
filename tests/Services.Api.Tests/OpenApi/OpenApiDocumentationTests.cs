using System.Text.Json;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.OpenApi;

/// <summary>
/// What an integrator reads in the contract before writing a line (api-conventions.md): an example of every answer,
/// and what each field of a request, an answer or an event means. Each test lists everything missing, not just the first.
/// </summary>
public sealed class OpenApiDocumentationTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    [Fact]
    public async Task Every_success_answer_with_a_json_body_has_an_example()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        var answers = SuccessAnswers(document.RootElement).ToList();
        var without = answers
            .Where(answer => !HasExample(answer.Media, schemas))
            .Select(answer => $"{answer.Operation} {answer.Status}")
            .ToList();

        answers.Count.ShouldBeGreaterThan(40);
        without.ShouldBeEmpty($"success answers without an example:\n{string.Join("\n", without)}");
    }

    [Fact]
    public async Task Every_field_of_a_request_an_answer_and_an_event_says_what_it_means()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var reached = new HashSet<string>(StringComparer.Ordinal);
        foreach (var answer in SuccessAnswers(document.RootElement))
            if (answer.Media.TryGetProperty("schema", out var schema)) Reach(schema, schemas, reached);
        foreach (var body in RequestBodies(document.RootElement)) Reach(body, schemas, reached);
        var events = schemas.GetProperty("EventResponse").GetProperty("x-event-data").EnumerateObject().Select(type => SchemaName(type.Value.GetString()!)).ToList();
        foreach (var data in events)
            if (reached.Add(data)) Reach(schemas.GetProperty(data), schemas, reached);

        var undescribed = new List<string>();
        foreach (var name in reached.Order(StringComparer.Ordinal))
        {
            var schema = schemas.GetProperty(name);
            if (!schema.TryGetProperty("properties", out var properties))
            {
                // An event without fields says what happened in its own description.
                if (events.Contains(name) && !schema.TryGetProperty("description", out _)) undescribed.Add(name);
                continue;
            }
            undescribed.AddRange(properties.EnumerateObject()
                .Where(property => !property.Value.TryGetProperty("description", out var text) || string.IsNullOrWhiteSpace(text.GetString()))
                .Select(property => $"{name}.{property.Name}"));
        }

        reached.ShouldContain("BookingResponse");
        reached.ShouldContain("BookingConfirmed");
        reached.ShouldContain("BookSeatRequest");
        undescribed.ShouldBeEmpty($"fields without a description:\n{string.Join("\n", undescribed)}");
    }

    private static IEnumerable<JsonElement> RequestBodies(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where Methods.Contains(operation.Name) && operation.Value.TryGetProperty("requestBody", out _)
        select operation.Value.GetProperty("requestBody");

    private static IEnumerable<(string Operation, string Status, JsonElement Media)> SuccessAnswers(JsonElement document) =>
        from path in document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        where Methods.Contains(operation.Name)
        from response in operation.Value.GetProperty("responses").EnumerateObject()
        where response.Name.StartsWith('2') && response.Value.TryGetProperty("content", out _)
        from media in response.Value.GetProperty("content").EnumerateObject()
        where media.Name.Contains("json", StringComparison.Ordinal)
        select ($"{operation.Name.ToUpperInvariant()} {path.Name}", response.Name, media.Value);

    /// <summary>An example on the answer itself, or on the schema it names (of each item, for a list).</summary>
    private static bool HasExample(JsonElement media, JsonElement schemas)
    {
        if (media.TryGetProperty("example", out _) || media.TryGetProperty("examples", out _)) return true;
        if (!media.TryGetProperty("schema", out var schema)) return false;
        if (schema.TryGetProperty("items", out var items)) schema = items;
        return schema.TryGetProperty("$ref", out var reference) && schemas.GetProperty(SchemaName(reference.GetString()!)).TryGetProperty("examples", out _);
    }

    private static void Reach(JsonElement schema, JsonElement schemas, HashSet<string> reached)
    {
        switch (schema.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var part in schema.EnumerateObject())
                {
                    if (part.Name == "$ref" && part.Value.GetString() is { } reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                    {
                        var name = SchemaName(reference);
                        if (reached.Add(name)) Reach(schemas.GetProperty(name), schemas, reached);
                    }
                    else if (part.Name is not ("examples" or "example" or "x-event-data")) Reach(part.Value, schemas, reached);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in schema.EnumerateArray()) Reach(item, schemas, reached);
                break;
        }
    }

    private static string SchemaName(string reference) => reference.Split('/')[^1];
}
