using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Services.Api.Common;

namespace Services.Api.Infrastructure;

/// <summary>RFC 9457 problem answers; one stable type URI per kind of error.</summary>
public static class Problems
{
    public const string TypeBase = "https://docs.services.example/problems/";

    public static ProblemHttpResult NotFound(string what) =>
        Problem(StatusCodes.Status404NotFound, "not_found", "Not found", $"No {what} with this id is visible to your organization.");

    /// <summary>409 naming the rule; a refusal because something named is unknown (<c>*_not_found</c>) is a 404, wherever the id was given.</summary>
    public static ProblemHttpResult Refused(Refusal refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        if (refusal.Code.EndsWith("_not_found", StringComparison.Ordinal))
            return Problem(StatusCodes.Status404NotFound, "not_found", "Not found", refusal.Detail);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status409Conflict, Type = TypeBase + refusal.Code, Title = "The request breaks a business rule", Detail = refusal.Detail,
        };
        foreach (var (name, value) in refusal.Facts ?? new Dictionary<string, object>()) problem.Extensions[name] = value;
        return TypedResults.Problem(problem);
    }

    public static ProblemHttpResult Forbidden(string detail) =>
        Problem(StatusCodes.Status403Forbidden, "forbidden", "Not allowed", detail);

    public static ProblemHttpResult StaleVersion(long current) =>
        Problem(StatusCodes.Status412PreconditionFailed, "version_mismatch", "The resource has changed",
            $"If-Match does not match the current version \"{current}\" (a weak tag, W/\"…\", matches none); read the resource again and retry with its ETag.");

    public static ValidationProblem Invalid(IDictionary<string, string[]> errors) =>
        TypedResults.ValidationProblem(errors, detail: "The request is invalid; see errors for each field.", title: "Invalid request", type: TypeBase + "invalid_request");

    public static ValidationProblem Invalid(string field, string message) => Invalid(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemHttpResult Problem(int status, string code, string title, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = status, Type = TypeBase + code, Title = title, Detail = detail });

    /// <summary>
    /// The answers the framework writes itself (a route that does not exist, a method it does not take,
    /// a body that routing refused for its media type) get the type of their status as ours do, so that a
    /// client can branch on the type of every problem.
    /// </summary>
    public static void GiveOurType(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var problem = context.ProblemDetails;
        if (problem.Type?.StartsWith(TypeBase, StringComparison.Ordinal) == true) return;
        var (code, detail) = (problem.Status ?? context.HttpContext.Response.StatusCode) switch
        {
            StatusCodes.Status404NotFound => ("not_found", "No resource at this path: see the API document (/openapi/v1.json)."),
            StatusCodes.Status405MethodNotAllowed => ("method_not_allowed", "This path does not take this method: see the API document (/openapi/v1.json)."),
            StatusCodes.Status413PayloadTooLarge => ("body_too_large", "The request body exceeds the size limit of this API."),
            StatusCodes.Status415UnsupportedMediaType => ("unsupported_media_type", "Send the body as application/json."),
            StatusCodes.Status400BadRequest => ("bad_request", null),
            StatusCodes.Status500InternalServerError => ("internal_error", null),
            _ => ((string?)null, (string?)null),
        };
        if (code is null) return;
        problem.Type = TypeBase + code;
        problem.Detail ??= detail;
    }

    /// <summary>Answers with a problem from outside an endpoint (middleware, authentication), where no result can be returned.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string code, string title, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails { Status = status, Type = TypeBase + code, Title = title, Detail = detail },
        });
    }
}
