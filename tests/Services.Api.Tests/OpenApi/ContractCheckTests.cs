using Services.Api.Infrastructure;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.OpenApi;

/// <summary>The check every API test's answers go through (<see cref="Contract"/>) tells a declared answer from one the contract does not mention.</summary>
public sealed class ContractCheckTests
{
    [Theory]
    [InlineData("bookSeat", 201, null)]
    [InlineData("bookSeat", 409, "quota_exceeded")]
    [InlineData("bookSeat", 409, "idempotency_key_reused")]
    [InlineData("bookSeat", 400, "invalid_request")]
    [InlineData("getOfferAvailability", 503, "read_model_lagging")]
    [InlineData("rebuildProjection", 503, "rebuild_not_started")]
    [InlineData("bookSeat", 500, "internal_error")]
    [InlineData(null, 418, null)]
    public void A_declared_answer_passes(string? operationId, int status, string? code) =>
        Contract.Violation(operationId, status, code is null ? null : Problems.TypeBase + code).ShouldBeNull();

    [Theory]
    [InlineData("bookSeat", 200, null, "bookSeat does not declare 200")]
    [InlineData("bookSeat", 412, "version_mismatch", "bookSeat does not declare 412")]
    [InlineData("bookSeat", 409, "need_closed", "bookSeat does not list need_closed among its 409 problems")]
    [InlineData("getOfferAvailability", 409, "quota_exceeded", "getOfferAvailability does not declare 409")]
    [InlineData("getOrganization", 503, "read_model_lagging", "getOrganization does not list read_model_lagging among its 503 problems")]
    public void An_undeclared_answer_is_named(string operationId, int status, string? code, string violation) =>
        Contract.Violation(operationId, status, code is null ? null : Problems.TypeBase + code).ShouldBe(violation);

    [Theory]
    [InlineData("redeliverWebhookDelivery", 202, "Location")]
    [InlineData("pingWebhook", 202, "Location")]
    [InlineData("rebuildProjection", 202, "Location")]
    [InlineData("createWebhook", 201, "Location")]
    [InlineData("rotateWebhookSecret", 200, "ETag")]
    [InlineData("bookSeat", 201, "Services-Position")]
    [InlineData("deleteWebhook", 204, "RateLimit-Remaining")]
    public void A_success_with_a_declared_header_passes(string operationId, int status, string header) =>
        Contract.HeaderViolation(operationId, status, [header]).ShouldBeNull();

    [Theory]
    [InlineData("listWebhooks", 200, "ETag", "listWebhooks does not declare ETag on its 200 answer")]
    [InlineData("deleteWebhook", 204, "Location", "deleteWebhook does not declare Location on its 204 answer")]
    [InlineData("updateWebhook", 200, "Services-Position", "updateWebhook does not declare Services-Position on its 200 answer")]
    public void A_success_with_an_undeclared_header_is_named(string operationId, int status, string header, string violation) =>
        Contract.HeaderViolation(operationId, status, [header]).ShouldBe(violation);

    [Fact]
    public void A_problem_type_outside_ours_is_never_declared() =>
        Contract.Violation("bookSeat", 400, "about:blank").ShouldBe("bookSeat does not list about:blank among its 400 problems");
}
