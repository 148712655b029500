namespace Services.Api.Infrastructure;

/// <summary>
/// Problem codes (the last segment of a problem's <c>type</c>) that one operation answers with for a
/// status, beyond those every operation may meet (<see cref="OpenApiProtocol"/>). Declared where the
/// endpoint is mapped and published in the API document (<c>x-problem-codes</c>), so that an
/// integrator can handle each one; the API tests fail on any problem an operation does not declare.
/// </summary>
public sealed record ProblemCodes(int Status, IReadOnlyList<string> Codes);

public static class ProblemCodesExtensions
{
    /// <summary>
    /// 409: the business rules this operation can refuse a request for. Only rules a valid request can
    /// break: what validation answers first (400) and unknown ids (404) are not listed.
    /// </summary>
    public static RouteHandlerBuilder Refuses(this RouteHandlerBuilder builder, params string[] codes) =>
        builder.AnswersProblems(StatusCodes.Status409Conflict, codes);

    public static RouteHandlerBuilder AnswersProblems(this RouteHandlerBuilder builder, int status, params string[] codes)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.ProducesProblem(status).WithMetadata(new ProblemCodes(status, codes));
    }
}
