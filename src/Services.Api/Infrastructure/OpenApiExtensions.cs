using Microsoft.AspNetCore.Authorization;
using Microsoft.OpenApi;

namespace Services.Api.Infrastructure;

public static partial class OpenApiExtensions
{
    public const string DocumentName = "v1";
    private const string BearerScheme = "apiKey";

    public static IServiceCollection AddApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Services: shared services between companies",
                    Version = "v1",
                    Description = """
                        Company clubs publish shared services (concierge, mobility, childcare, spouse welcome) and their
                        time slots; employers subscribe and book for their staff; providers record attendance; companies
                        record needs nothing serves yet. Authenticate with `Authorization: Bearer <api key>`.
                        Mutating answers carry `ETag` (the resource version, send it back as `If-Match`) and
                        `Services-Position` (the position of the last event written, for read-your-writes).
                        Single-resource reads carry `ETag` too, and answer `304 Not Modified` without a body when
                        `If-None-Match` names it: poll with the ETag of your copy.
                        Errors are RFC 9457 problem documents with a stable `type` per kind of error.
                        """,
                };
                // Clients resolve paths against wherever they fetched the document; the document
                // stays the same on every host (and equal to the committed one).
                document.Servers = [];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "svc_key_…",
                    Description = "An organization's API key (shown once when issued; one of access read may only read: GET), or the operator key.",
                };
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                var metadata = context.Description.ActionDescriptor.EndpointMetadata;
                if (!metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<AuthorizationPolicy>().Any()) return Task.CompletedTask;
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = [] });
                operation.Responses ??= [];
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No API key, or an unknown or revoked one (unauthorized), or one past its expiresAt (key_expired, naming when it expired)." });
                // Only where a 403 can come: a kind the operation does not allow, a rule of its own (which it declares), or a change by a read key.
                var kinds = Security.SecurityExtensions.KindsAllowed(metadata);
                var isChange = !HttpMethods.IsGet(context.Description.HttpMethod ?? HttpMethods.Get);
                if (kinds.Count == 0 && !isChange && !operation.Responses.ContainsKey("403")) return Task.CompletedTask;
                var forbidden = kinds.Count > 0 || operation.Responses.ContainsKey("403");
                operation.Responses["403"] = new OpenApiResponse
                {
                    Description = string.Join(" ", new[]
                    {
                        forbidden ? "Your organization may not do this (forbidden): the problem's detail says why." : "",
                        kinds.Count > 0 ? $"Keys of these kinds only: {string.Join(", ", kinds)}." : "",
                        isChange ? $"A key of access read may not change anything ({Security.ReadOnlyKeys.Code}): use a key of full access." : "",
                    }.Where(part => part.Length > 0)),
                };
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer(SchemaPatterns.ApplyAsync);
            options.AddSchemaTransformer(AddedLaterAttribute.ApplyAsync);
            options.AddSchemaTransformer(LeaveOutToKeep.ApplyAsync);
            // The event names an integrator meets in the feed and subscribes webhooks to, from the registry itself.
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (context.JsonPropertyInfo is not { } property
                    || !((property.DeclaringType == typeof(Feed.EventResponse) && property.Name == "type")
                         || (property.DeclaringType == typeof(Webhooks.CreateWebhookRequest) && property.Name == "eventTypes")))
                    return Task.CompletedTask;
                var names = context.ApplicationServices.GetRequiredService<Services.EventStore.EventTypeRegistry>().Names.Order(StringComparer.Ordinal);
                schema.Description = $"{schema.Description} Event names: {string.Join(", ", names)}.".TrimStart();
                return Task.CompletedTask;
            });
            // Every problem answer carries the request's trace id (ProblemJsonForAnyAccept), and its type,
            // title and status (ours, or the framework's given our type by Problems.GiveOurType): said, so
            // that a strict reader of the schema takes the answer as it comes and a generated client needs no null checks.
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (!typeof(Microsoft.AspNetCore.Mvc.ProblemDetails).IsAssignableFrom(context.JsonTypeInfo.Type) || context.JsonPropertyInfo is not null) return Task.CompletedTask;
                schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
                schema.Properties["traceId"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The request's trace id: quote it when reporting a problem." };
                foreach (var always in new[] { "type", "title", "status" })
                {
                    if (schema.Properties.TryGetValue(always, out var property) && property is OpenApiSchema { Type: { } type } sent) sent.Type = type & ~JsonSchemaType.Null;
                }
                if (schema.Properties.TryGetValue("type", out var typeProperty) && typeProperty is OpenApiSchema problemType)
                    problemType.Description = $"{Problems.TypeBase}<code>: the kind of problem, stable; branch on it (the answers' x-problem-codes list the codes).";
                schema.Required = new HashSet<string>(["type", "title", "status", "traceId"]);
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer(OpenApiExamples.ApplyAsync);
            options.AddSchemaTransformer(Feed.EventDataSchemas.WithheldContactAsync);
            options.AddDocumentTransformer(Feed.EventDataSchemas.AddAsync);
            options.AddDocumentTransformer(Webhooks.WebhookContract.AddAsync);
            options.AddDocumentTransformer(OpenApiProtocol.AddHeadersAsync);
            options.AddDocumentTransformer(OpenApiOpenAnswers.ApplyAsync);
            options.AddDocumentTransformer(OpenApiNullableDescriptions.ApplyAsync);
            options.AddDocumentTransformer(LeaveOutToKeep.ApplyToDocumentAsync);
            options.AddOperationTransformer(OpenApiProtocol.DescribeAsync);
            options.AddOperationTransformer(QueryParameterSchemas.ApplyAsync);
            // Instants are written by UtcInstantConverter, which hides their type from the schema
            // generator: say it, and say which ones may be null, so that typed clients get both right.
            options.AddSchemaTransformer((schema, context, _) =>
            {
                var type = context.JsonPropertyInfo?.PropertyType ?? context.JsonTypeInfo.Type;
                if (type == typeof(DateTimeOffset)) (schema.Type, schema.Format) = (JsonSchemaType.String, "date-time");
                else if (type == typeof(DateTimeOffset?)) (schema.Type, schema.Format) = (JsonSchemaType.String | JsonSchemaType.Null, "date-time");
                return Task.CompletedTask;
            });
            // An enum's schema is its wire names, as strings: WireEnumConverter reads and writes them, and the
            // generator cannot see through a converter of ours. A nullable property says so itself (oneOf null).
            options.AddSchemaTransformer((schema, context, _) =>
            {
                var type = Nullable.GetUnderlyingType(context.JsonTypeInfo.Type) ?? context.JsonTypeInfo.Type;
                if (!type.IsEnum) return Task.CompletedTask;
                schema.Type = JsonSchemaType.String;
                schema.Enum = [.. Enum.GetValues(type).Cast<Enum>().Select(value => (System.Text.Json.Nodes.JsonNode)Common.WireName.Of(value))];
                return Task.CompletedTask;
            });
            // Descriptions come from the XML comments, written for C# readers: entities decoded, and a
            // member they name ("string? EventPage.Next") read as its JSON name (`next`).
            options.AddSchemaTransformer((schema, _, _) =>
            {
                if (schema.Description is { } description) schema.Description = ForReaders(description);
                return Task.CompletedTask;
            });
            // Every parameter is described (the contract lint, api-spec/.spectral.yml, requires it): a
            // path parameter whose handler gives no [Description] is described from its name.
            options.AddOperationTransformer((operation, context, _) =>
            {
                foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
                {
                    if (parameter.In == ParameterLocation.Path && string.IsNullOrEmpty(parameter.Description) && parameter.Name is { } name)
                        parameter.Description = DescribePathParameter(name, context.Description.RelativePath ?? "");
                }
                return Task.CompletedTask;
            });
        });

    internal static string ForReaders(string description) =>
        CrefMember().Replace(System.Net.WebUtility.HtmlDecode(description), member => $"`{System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(member.Groups["member"].Value)}`");

    /// <summary>A member as the comment generator writes a cref: its type, a space, then Owner.Member.</summary>
    [System.Text.RegularExpressions.GeneratedRegex(@"\b(?:[A-Za-z]\w*)(?:<[^<>\s]*(?:<[^<>\s]*>)?>)?\?? [A-Z]\w*(?:<\w+>)?\.(?<member>[A-Z]\w*)\b")]
    private static partial System.Text.RegularExpressions.Regex CrefMember();

    /// <summary><c>offerId</c> → "The id of the offer."; <c>/projections/{name}</c> → "The name of the projection."</summary>
    internal static string DescribePathParameter(string name, string route)
    {
        if (name.Length > 2 && name.EndsWith("Id", StringComparison.Ordinal))
            return $"The id of the {Words(name[..^2])}.";
        var segments = route.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(segments, "{" + name + "}");
        var owner = index > 0 ? segments[index - 1].Replace('-', ' ').TrimEnd('s') : "resource";
        return $"The {Words(name)} of the {owner}.";
    }

    private static string Words(string camel) =>
        string.Concat(camel.Select((c, i) => char.IsUpper(c) && i > 0 ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    public static IEndpointRouteBuilder MapApiDocument(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapGet("/", () => TypedResults.Redirect("/docs")).ExcludeFromDescription();
        return app;
    }

    public static IApplicationBuilder UseApiDocs(this IApplicationBuilder app) =>
        app.UseSwaggerUI(options =>
        {
            options.RoutePrefix = "docs";
            options.SwaggerEndpoint($"/openapi/{DocumentName}.json", "Services API v1");
            options.DocumentTitle = "Services API";
        });
}
