using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Security;
using Services.EventStore;

namespace Services.Api.Infrastructure;

/// <summary>
/// Turns what escapes an endpoint into a problem document: bad requests name the field, an
/// unreachable database is a 503 to retry, as is a secret no configured master key opens, and anything else is a 500 that reveals nothing.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var answer = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } => new Answer(InvalidJson(json, httpContext)),
            BadHttpRequestException bad => new Answer(BadRequest(bad, httpContext.Request.Query)),
            StreamVersionConflictException => Unavailable("busy", "Too many concurrent changes to the same resources; retry shortly."),
            PostgresException { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: Idempotency.ReservationConstraint } => new Answer(new ProblemDetails
            {
                Status = 409, Type = Problems.TypeBase + "idempotency_key_in_progress", Title = "Request in progress",
                Detail = "Another request with this Idempotency-Key is being processed; nothing was done twice.",
            }, RetryAfter: "1"),
            NpgsqlException { IsTransient: true } or TimeoutException => Unavailable("database_unavailable", "The database is unavailable; retry shortly."),
            // An operator's fix, not a moment's contention; logged where the secret was found (once per secret where it can be), not here.
            SecretKeyUnavailableException => Unavailable(SecretKeyUnavailableException.Code,
                $"A secret kept for this request was wrapped under a master key this platform is no longer configured with; its operator must add that key to {MasterKey.PreviousConfigurationKey}. Nothing was changed.",
                retryAfter: "60", logLevel: LogLevel.None),
            _ => null,
        };
        if (answer is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", httpContext.Request.Method, httpContext.Request.Path);
            answer = new Answer(new ProblemDetails { Status = 500, Type = Problems.TypeBase + "internal_error", Title = "Internal error", Detail = "Something went wrong on our side; the request may be retried." });
        }
        // Since .NET 10 the middleware no longer logs what a handler handled: an outage would show only as 503 counts.
        if (answer.LogLevel != LogLevel.None) logger.Log(answer.LogLevel, exception, "Answered {Status} {Problem} on {Method} {Path}", answer.Problem.Status, answer.Problem.Type, httpContext.Request.Method, httpContext.Request.Path);
        if (answer.RetryAfter is not null) httpContext.Response.Headers.RetryAfter = answer.RetryAfter;
        httpContext.Response.StatusCode = answer.Problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = answer.Problem, Exception = exception });
    }

    /// <summary>What an exception is answered with, when to retry it, and how loudly it is logged (<see cref="LogLevel.None"/>: not here).</summary>
    private sealed record Answer(ProblemDetails Problem, string? RetryAfter = null, LogLevel LogLevel = LogLevel.None);

    private static ProblemDetails InvalidJson(JsonException json, HttpContext httpContext)
    {
        // The reader's own faults (not JSON at all, cut short) come wrapped; the serializer's (a field it
        // cannot map or convert) do not. Told apart first: "not json" reads as a failed literal 'null'.
        if (json.InnerException is JsonException reader)
        {
            // Its message ends with its own, 0-based, " LineNumber: … | BytePositionInLine: …".
            var fault = reader.Message.Split(" LineNumber:", 2)[0];
            return Validation(new Dictionary<string, string[]> { ["body"] = [$"Malformed JSON (line {json.LineNumber + 1}, byte {json.BytePositionInLine}): {fault}"] });
        }
        var field = json.Path is null or "$" ? "body" : json.Path.TrimStart('$', '.');
        if (json.Message.Contains("missing required properties", StringComparison.Ordinal))
        {
            var prefix = field == "body" ? "" : field + ".";
            return Validation(MissingFields(json.Message).ToDictionary(name => prefix + name, _ => new[] { "This field is required." }));
        }
        var message = json.Message switch
        {
            var m when m.StartsWith(UtcInstantConverter.OffsetRequired, StringComparison.Ordinal) => UtcInstantConverter.OffsetRequired,
            var m when m.StartsWith(WireEnumConverter.OneOfPrefix, StringComparison.Ordinal) => m,
            var m when m.Contains("could not be mapped", StringComparison.Ordinal) => UnknownField(m, httpContext),
            var m when m.StartsWith("Duplicate property", StringComparison.Ordinal) => "This field is given more than once.",
            // Before the null rule: a nullable type's name (System.Nullable`1[…]) has "null" in it.
            var m when m.Contains(NotConverted, StringComparison.Ordinal) => Expected(FieldType(m.Split(NotConverted, 2)[1].Split(". Path:", 2)[0], field, httpContext), inBody: true),
            var m when m.Contains("null", StringComparison.OrdinalIgnoreCase) => "This field is required and may not be null.",
            var m when m.Contains("maximum configured depth", StringComparison.Ordinal) => "The JSON is nested too deeply.",
            _ => $"Malformed JSON (line {json.LineNumber + 1}, byte {json.BytePositionInLine}).",
        };
        return Validation(new Dictionary<string, string[]> { [field] = [message] });
    }

    private const string NotConverted = "could not be converted to ";

    // "The JSON property 'attendance' could not be mapped to any .NET member contained in type 'Services.Api.Bookings.RecordAttendanceRequest'."
    private static string UnknownField(string message, HttpContext httpContext) =>
        JsonProperties(message.Split("contained in type '", 2).ElementAtOrDefault(1)?.TrimEnd('.', '\'') ?? "", httpContext) is { } properties
            ? $"Unknown field; this object takes: {string.Join(", ", properties.Select(property => property.Name))}."
            : "Unknown field.";

    /// <summary>
    /// The type of the field at <paramref name="path"/>: the serializer names the object that holds it
    /// when the object is built by its constructor (our records), the field's own type otherwise.
    /// </summary>
    private static string FieldType(string reported, string path, HttpContext httpContext)
    {
        var name = path.Split('.')[^1].Split('[')[0];
        var type = JsonProperties(reported, httpContext)?.FirstOrDefault(property => property.Name == name)?.PropertyType;
        if (type is null) return reported;
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type != typeof(string) && type.IsAssignableTo(typeof(System.Collections.IEnumerable)) ? "[]" : type.FullName ?? type.Name;
    }

    /// <summary>The JSON properties of one of our types, named as the serializer names it; null for any other type.</summary>
    private static IList<System.Text.Json.Serialization.Metadata.JsonPropertyInfo>? JsonProperties(string typeName, HttpContext httpContext) =>
        typeof(ProblemExceptionHandler).Assembly.GetType(typeName) is { } type
            ? httpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions.GetTypeInfo(type).Properties
            : null;

    // "JSON deserialization for type 'X' was missing required properties including: 'name', 'territories'."
    private static string[] MissingFields(string message)
    {
        var start = message.IndexOf("including:", StringComparison.Ordinal);
        return start < 0
            ? ["body"]
            : message[(start + "including:".Length)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(name => name.Trim('.', '\'', ' ')).ToArray();
    }

    private static ProblemDetails BadRequest(BadHttpRequestException bad, IQueryCollection query) => bad.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => new ProblemDetails { Status = 413, Type = Problems.TypeBase + "body_too_large", Title = "Body too large", Detail = "The request body exceeds the size limit of this API." },
        StatusCodes.Status415UnsupportedMediaType => new ProblemDetails { Status = 415, Type = Problems.TypeBase + "unsupported_media_type", Title = "Unsupported media type", Detail = "Send the body as application/json." },
        // "Implicit body inferred for parameter "request" but no body was provided. …" / "Required parameter "X request" was not provided from body."
        _ when bad.Message.Contains("no body was provided", StringComparison.Ordinal) || bad.Message.EndsWith("not provided from body.", StringComparison.Ordinal)
            => Validation(new Dictionary<string, string[]> { ["body"] = ["A JSON body is required."] }),
        _ when bad.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal) => Validation(new Dictionary<string, string[]>
        {
            [ParameterName(bad.Message)] = [query[ParameterName(bad.Message)].Count > 1 ? "Give this parameter once." : Expected(ParameterType(bad.Message), inBody: false, Given(bad.Message))],
        }),
        _ when bad.Message.StartsWith("Required parameter", StringComparison.Ordinal) => Validation(new Dictionary<string, string[]> { [ParameterName(bad.Message)] = ["This parameter is required."] }),
        _ => new ProblemDetails { Status = bad.StatusCode, Type = Problems.TypeBase + "bad_request", Title = "Bad request", Detail = bad.Message },
    };

    // Messages look like: Failed to bind parameter "int limit" from "abc". / Required parameter "string month" was not provided from query string.
    // An [AsParameters] type's property is declared by its C# name ("Limit"); the contract's query parameters are camelCase.
    private static string ParameterName(string message) =>
        Declaration(message) is { } declaration ? JsonNamingPolicy.CamelCase.ConvertName(declaration[(declaration.LastIndexOf(' ') + 1)..]) : "query";

    // The type a parameter's declaration names ("Nullable<DateOnly> from").
    private static string ParameterType(string message) =>
        Declaration(message) is { } declaration ? declaration[..Math.Max(declaration.LastIndexOf(' '), 0)] : "";

    /// <summary>
    /// What a query parameter or a JSON field takes, from the type its declaration (<c>Nullable&lt;DateOnly&gt;</c>)
    /// or the serializer (<c>System.Int32</c>) names: the value given was not one.
    /// </summary>
    /// <param name="given">The value a query parameter was given (a body's is not at hand).</param>
    private static string Expected(string type, bool inBody, string? given = null)
    {
        var name = type.Replace("System.", "", StringComparison.Ordinal);
        if (name.EndsWith("[]", StringComparison.Ordinal) || name.Contains("List`1", StringComparison.Ordinal)) return "An array.";
        return name.Replace("Nullable`1[", "", StringComparison.Ordinal).Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>', ']', '?') switch
        {
            "DateOnly" => "A day, YYYY-MM-DD (e.g. 2026-11-23).",
            "DateTimeOffset" => inBody ? UtcInstantConverter.OffsetRequired : UtcInstantConverter.OffsetRequiredInQuery(given),
            "int" or "long" or "Int32" or "Int64" => inBody ? "An integer within range, as a JSON number (2, not \"2\")." : "An integer.",
            "bool" or "Boolean" => "true or false.",
            "String" => "A string.",
            var other when typeof(ProblemExceptionHandler).Assembly.GetType(other) is not null => "An object: see this field in the API document (/openapi/v1.json).",
            _ => "A value of another kind: see this field in the API document (/openapi/v1.json).",
        };
    }

    /// <summary>The value given, the message's last quoted text: <c>… from "2026-11-23T08:30:00 01:00".</c></summary>
    private static string? Given(string message)
    {
        var close = message.LastIndexOf('"');
        var open = close <= 0 ? -1 : message.LastIndexOf('"', close - 1);
        return open < 0 ? null : message[(open + 1)..close];
    }

    private static string? Declaration(string message)
    {
        var open = message.IndexOf('"', StringComparison.Ordinal);
        var close = open < 0 ? -1 : message.IndexOf('"', open + 1);
        return close < 0 ? null : message[(open + 1)..close];
    }

    private static ProblemDetails Validation(IDictionary<string, string[]> errors) =>
        new HttpValidationProblemDetails(errors) { Status = 400, Type = Problems.TypeBase + "invalid_request", Title = "Invalid request", Detail = "The request is invalid; see errors for each field." };

    private static Answer Unavailable(string code, string detail, string retryAfter = "1", LogLevel logLevel = LogLevel.Warning) =>
        new(new ProblemDetails { Status = 503, Type = Problems.TypeBase + code, Title = "Service unavailable", Detail = detail }, retryAfter, logLevel);
}
