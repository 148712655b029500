using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Services.Api.Infrastructure;

namespace Services.Api.Tests.Http;

/// <summary>
/// The published contract (api-spec/openapi.json), checked inside the API under test: an answer whose
/// status its operation does not declare, or a problem whose code that status does not list
/// (<c>x-problem-codes</c>), or a problem without the members its schema requires, or a success carrying a header its answer does not declare
/// (<see cref="JudgedHeaders"/>), becomes a 500 naming the gap, so that the test which met it fails. Every
/// answer the API tests provoke is thereby one an integrator could have read about.
/// </summary>
public static class Contract
{
    public const string ViolationHeader = "Contract-Violation";

    /// <summary>
    /// The headers a handler sets on a success for a client to read. The middleware's own (rate limits, Retry-After,
    /// Idempotent-Replayed) go on every answer whatever its operation and are declared where a client reads them.
    /// </summary>
    private static readonly string[] JudgedHeaders = ["Location", "ETag", Writes.PositionHeader];

    /// <param name="Codes">The problem codes it lists.</param>
    /// <param name="Headers">The headers it declares.</param>
    private sealed record DeclaredAnswer(HashSet<string> Codes, HashSet<string> Headers);

    /// <summary>operationId → status → what its answer declares.</summary>
    private static readonly Lazy<Dictionary<string, Dictionary<string, DeclaredAnswer>>> Operations = new(Load);

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Services.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("Services.sln not found above " + AppContext.BaseDirectory);
    }

    public static string DocumentPath() => Path.Combine(RepositoryRoot(), "api-spec", "openapi.json");

    /// <summary>
    /// What the committed document promises a receiver of <paramref name="eventName"/>'s webhook: the
    /// headers (name → pattern, null when it has none) and the fields its data always has.
    /// </summary>
    public static (IReadOnlyDictionary<string, string?> Headers, IReadOnlyList<string> RequiredData) Webhook(string eventName)
    {
        var document = JsonNode.Parse(File.ReadAllText(DocumentPath()))!;
        var post = document["webhooks"]?[eventName]?["post"] ?? throw new InvalidOperationException($"The contract has no webhook for {eventName}.");
        var headers = post["parameters"]!.AsArray()
            .Where(parameter => parameter!["in"]!.GetValue<string>() == "header" && parameter["required"]?.GetValue<bool>() == true)
            .ToDictionary(parameter => parameter!["name"]!.GetValue<string>(), parameter => parameter!["schema"]?["pattern"]?.GetValue<string>(), StringComparer.OrdinalIgnoreCase);
        // An event's envelope with its type's data, or a body of its own (a ping's).
        var body = post["requestBody"]!["content"]!["application/json"]!["schema"]!;
        var envelope = body["allOf"]?[1] ?? document["components"]!["schemas"]![body["$ref"]!.GetValue<string>().Split('/')[^1]]!;
        var data = envelope["properties"]!["data"]!["$ref"]!.GetValue<string>().Split('/')[^1];
        var required = document["components"]!["schemas"]![data]!["required"]?.AsArray().Select(field => field!.GetValue<string>()).ToList() ?? [];
        return (headers, required);
    }

    public static void CheckAnswers(IServiceCollection services)
    {
        services.AddSingleton<IStartupFilter, StatusCheck>();
        services.PostConfigure<ProblemDetailsOptions>(options =>
        {
            var customize = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                customize?.Invoke(context);
                CheckProblem(context);
            };
        });
    }

    /// <summary>Why this answer breaks the contract, or null; answers outside any documented operation are not judged.</summary>
    public static string? Violation(string? operationId, int status, string? problemType)
    {
        if (operationId is null || (status >= 500 && status != 503) || !Operations.Value.TryGetValue(operationId, out var responses)) return null;
        var key = status.ToString(CultureInfo.InvariantCulture);
        if (!responses.TryGetValue(key, out var answer)) return $"{operationId} does not declare {key}";
        if (problemType is null) return null;
        var code = problemType.StartsWith(Problems.TypeBase, StringComparison.Ordinal) ? problemType[Problems.TypeBase.Length..] : problemType;
        return answer.Codes.Contains(code) ? null : $"{operationId} does not list {code} among its {key} problems";
    }

    /// <summary>Why a success (or a 304, which carries the headers its 200 would) carrying <paramref name="sent"/> headers breaks the contract, or null.</summary>
    public static string? HeaderViolation(string? operationId, int status, IEnumerable<string> sent)
    {
        if (operationId is null || status is not (>= 200 and < 300 or StatusCodes.Status304NotModified) || !Operations.Value.TryGetValue(operationId, out var responses)
            || !responses.TryGetValue(status.ToString(CultureInfo.InvariantCulture), out var answer))
            return null;
        var undeclared = JudgedHeaders.Where(name => sent.Contains(name, StringComparer.OrdinalIgnoreCase) && !answer.Headers.Contains(name)).ToList();
        return undeclared.Count == 0 ? null : $"{operationId} does not declare {string.Join(", ", undeclared)} on its {status} answer";
    }

    private static void CheckProblem(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var problem = context.ProblemDetails;
        var violation = Violation(OperationOf(http), problem.Status ?? http.Response.StatusCode, problem.Type ?? "about:blank")
            ?? (problem.Type is null || problem.Title is null || problem.Status is null ? "a problem goes without its type, title or status, which the schema requires" : null);
        if (violation is null) return;
        problem.Detail = $"Contract violation: {violation}. The answer was {problem.Status} {problem.Type}: {problem.Detail}";
        problem.Status = StatusCodes.Status500InternalServerError;
        problem.Type = Problems.TypeBase + "contract_violation";
        http.Response.StatusCode = StatusCodes.Status500InternalServerError;
        http.Response.Headers[ViolationHeader] = violation;
    }

    /// <summary>The exception handler clears the endpoint before it answers (a 400 for malformed JSON, a 503): its feature keeps it.</summary>
    private static string? OperationOf(HttpContext http) =>
        (http.GetEndpoint() ?? http.Features.Get<IExceptionHandlerFeature>()?.Endpoint)?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName;

    private static Dictionary<string, Dictionary<string, DeclaredAnswer>> Load()
    {
        var document = JsonNode.Parse(File.ReadAllText(DocumentPath()))!;
        var operations = new Dictionary<string, Dictionary<string, DeclaredAnswer>>(StringComparer.Ordinal);
        foreach (var (_, path) in document["paths"]!.AsObject())
        {
            foreach (var (_, operation) in path!.AsObject())
            {
                if (operation?["operationId"]?.GetValue<string>() is not { } id) continue;
                operations[id] = operation["responses"]!.AsObject().ToDictionary(
                    response => response.Key,
                    response => new DeclaredAnswer(
                        (response.Value?["x-problem-codes"]?.AsArray().Select(code => code!.GetValue<string>()) ?? []).ToHashSet(StringComparer.Ordinal),
                        (response.Value?["headers"]?.AsObject().Select(header => header.Key) ?? []).ToHashSet(StringComparer.OrdinalIgnoreCase)),
                    StringComparer.Ordinal);
            }
        }
        return operations;
    }

    /// <summary>Judges every answer's status and headers as it starts; a problem's code is judged earlier, in <see cref="CheckProblem"/>, while its body can still change.</summary>
    private sealed class StatusCheck : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                context.Response.OnStarting(() =>
                {
                    var operation = OperationOf(context);
                    if ((Violation(operation, context.Response.StatusCode, problemType: null)
                            ?? HeaderViolation(operation, context.Response.StatusCode, context.Response.Headers.Keys)) is { } violation)
                    {
                        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
                        context.Response.Headers[ViolationHeader] = violation;
                    }
                    return Task.CompletedTask;
                });
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
