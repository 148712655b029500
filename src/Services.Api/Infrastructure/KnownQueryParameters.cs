using System.Collections.Frozen;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace Services.Api.Infrastructure;

/// <summary>
/// A query parameter the operation does not take is refused, 400 naming it, as unknown body fields
/// are. Otherwise a misspelt filter or cursor (<c>?offer_id=</c>, <c>?afer=</c>) answers the
/// unfiltered first page as if it had been applied, and a client paging with it repeats that page forever.
/// </summary>
public static class KnownQueryParameters
{
    private static readonly ConditionalWeakTable<RouteEndpoint, FrozenSet<string>> Taken = [];

    public static IApplicationBuilder UseKnownQueryParameters(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.Query.Count == 0 || context.GetEndpoint() is not RouteEndpoint endpoint || endpoint.Metadata.GetMetadata<IHttpMethodMetadata>() is null)
            {
                await next(context);
                return;
            }
            var taken = Taken.GetValue(endpoint, QueryNamesOf);
            var unknown = context.Request.Query.Keys.Where(name => !taken.Contains(name)).ToList();
            if (unknown.Count == 0)
            {
                await next(context);
                return;
            }
            string[] why = [taken.Count == 0
                ? "This operation takes no query parameters."
                : $"Not a parameter of this operation; it takes {string.Join(", ", taken.Order(StringComparer.Ordinal))}."];
            await Problems.Invalid(unknown.ToDictionary(name => name, _ => why, StringComparer.Ordinal)).ExecuteAsync(context);
        });

    /// <summary>
    /// The handler's parameters that are not in the route: what binding may read from the query (services never are),
    /// and the [FromQuery] properties of its [AsParameters] ones (which the binding metadata does not list).
    /// </summary>
    private static FrozenSet<string> QueryNamesOf(RouteEndpoint endpoint)
    {
        var route = endpoint.RoutePattern.Parameters.Select(parameter => parameter.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var grouped = (endpoint.Metadata.GetMetadata<MethodInfo>()?.GetParameters() ?? [])
            .Where(parameter => parameter.GetCustomAttribute<AsParametersAttribute>() is not null)
            .SelectMany(parameter => parameter.ParameterType.GetProperties())
            .Select(property => property.GetCustomAttribute<FromQueryAttribute>() is { } query ? query.Name ?? property.Name : null)
            .OfType<string>();
        return endpoint.Metadata.OfType<IParameterBindingMetadata>()
            .Where(parameter => parameter.HasTryParse && !route.Contains(parameter.Name))
            .Select(parameter => parameter.Name)
            .Concat(grouped)
            .ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    }
}
