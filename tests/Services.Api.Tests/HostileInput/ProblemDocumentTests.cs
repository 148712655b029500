using System.Net;
using Services.Api.Common;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.HostileInput;

/// <summary>Answers the hostile-input fuzzer (ops/Services.Hostile) once found broken: each must stay a problem document.</summary>
public sealed class ProblemDocumentTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Theory]
    [InlineData("text/html")]
    [InlineData("application/xml")]
    public async Task A_refusal_is_a_problem_document_whatever_the_request_accepts(string accept)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        using var forbidden = new HttpRequestMessage(HttpMethod.Get, "/v1/admin/projections");
        forbidden.Headers.TryAddWithoutValidation("Accept", accept);
        using var anonymous = new HttpRequestMessage(HttpMethod.Get, "/v1/offers");
        anonymous.Headers.TryAddWithoutValidation("Accept", accept);

        await (await club.Client.SendAsync(forbidden)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await api.Anonymous().SendAsync(anonymous)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthorized");
    }
}
