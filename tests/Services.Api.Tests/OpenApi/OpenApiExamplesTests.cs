using System.Net;
using System.Text;
using System.Text.Json;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.OpenApi;

public sealed class OpenApiExamplesTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly string[] Methods = ["post", "put", "patch", "delete"];

    private static readonly Dictionary<string, string> PathIds = new(StringComparer.Ordinal)
    {
        ["organizationId"] = Ids.Organization,
        ["clubId"] = Ids.Organization,
        ["offerId"] = Ids.Offer,
        ["slotId"] = Ids.Slot,
        ["subscriptionId"] = Ids.Subscription,
        ["bookingId"] = Ids.Booking,
        ["needId"] = Ids.Need,
    };

    [Fact]
    public async Task Every_request_body_has_an_example_the_api_reads_as_a_valid_request()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var exampled = new HashSet<string>(StringComparer.Ordinal);

        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(op => Methods.Contains(op.Name)))
            {
                if (!operation.Value.TryGetProperty("requestBody", out var body)) continue;
                var name = SchemaName(body.GetProperty("content").GetProperty("application/json").GetProperty("schema"));
                schemas.GetProperty(name).TryGetProperty("examples", out var examples).ShouldBeTrue($"{name} has no example");
                var request = new HttpRequestMessage(new HttpMethod(operation.Name.ToUpperInvariant()), WithIds(path.Name))
                {
                    Content = new StringContent(examples[0].GetRawText(), Encoding.UTF8, "application/json"),
                };

                // Ids in examples name nothing that exists: 404 and 409 are fine, a 400 is an example the API refuses.
                var answer = await api.Operator.SendAsync(request);

                var said = $"{operation.Name.ToUpperInvariant()} {path.Name} with the {name} example: {await answer.Content.ReadAsStringAsync()}";
                answer.StatusCode.ShouldNotBe(HttpStatusCode.BadRequest, said);
                ((int)answer.StatusCode).ShouldBeLessThan(500, said);
                exampled.Add(name);
            }
        }

        exampled.ShouldBe(OpenApiExamples.Requests.Keys.Select(type => type.Name), ignoreOrder: true);
        foreach (var answer in OpenApiExamples.Answers.Keys)
            schemas.GetProperty(answer.Name).TryGetProperty("examples", out _).ShouldBeTrue($"{answer.Name} has no example");
    }

    /// <summary>The referenced schema, also of an optional body (<c>oneOf: [null, $ref]</c>).</summary>
    private static string SchemaName(JsonElement schema)
    {
        var reference = schema.TryGetProperty("oneOf", out var choices)
            ? choices.EnumerateArray().Single(choice => choice.TryGetProperty("$ref", out _))
            : schema;
        return reference.GetProperty("$ref").GetString()!.Split('/')[^1];
    }

    private static string WithIds(string path) =>
        PathIds.Aggregate(path, (filled, id) => filled.Replace("{" + id.Key + "}", Ids.New(id.Value), StringComparison.Ordinal));
}
