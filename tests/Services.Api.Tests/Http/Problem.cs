using System.Net;
using System.Text.Json;

namespace Services.Api.Tests.Http;

/// <summary>Assertions on RFC 9457 answers.</summary>
public static class Problem
{
    public static async Task<JsonElement> ShouldBeProblemAsync(this HttpResponseMessage response, HttpStatusCode status, string? type = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json", body);
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        if (type is not null) problem.GetProperty("type").GetString().ShouldBe(Services.Api.Infrastructure.Problems.TypeBase + type, body);
        return problem;
    }

    /// <summary>A 400 whose errors name <paramref name="field"/>.</summary>
    public static async Task<JsonElement> ShouldBeInvalidAsync(this HttpResponseMessage response, string field)
    {
        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest, "invalid_request");
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue($"errors should name '{field}': {problem}");
        return problem;
    }
}
