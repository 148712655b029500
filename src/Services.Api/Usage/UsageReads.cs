using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Security;

namespace Services.Api.Usage;

/// <summary>What a read of usage statements or deliveries takes besides the organization in its path: the month, and what every read takes.</summary>
public sealed class UsageReadContext : ReadModelQuery
{
    [FromQuery(Name = "month"), Description("The calendar month, YYYY-MM."), Required, RegularExpression(InsightNames.MonthPattern)]
    public string? Month { get; init; }

    public required TimeProvider Time { get; init; }
}

/// <summary>The month a usage read is of, as asked for, and whether its figures stand yet (<see cref="FinalFigures"/>).</summary>
/// <param name="Name">YYYY-MM, as asked for.</param>
/// <param name="FirstDay">Its first day.</param>
public sealed record UsageMonth(string Name, DateOnly FirstDay, bool Provisional, DateTimeOffset FinalFrom);

/// <summary>What the company, club and partner statements share, and the checks before a read that the deliveries of providers and clubs share with them.</summary>
public static partial class UsageEndpoints
{
    /// <summary><see cref="ReadMonthAsync"/>, answering <paramref name="answer"/> to the lines of <paramref name="scope"/> in the month.</summary>
    internal static Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> ReadAsync<T>(
        string organizationId, OrganizationKind kind, UsageScope scope, UsageReadContext context,
        Func<UsageMonth, IReadOnlyList<UsageLineFacts>, T> answer, CancellationToken cancellationToken) =>
        ReadMonthAsync(organizationId, kind, context,
            async (month, token) => answer(month, await UsageStatements.ReadLinesAsync(context.DataSource, scope, month.FirstDay, token)), cancellationToken);

    /// <summary>
    /// The month checked, then the organization's visibility to the caller, then the insights' position; then
    /// what <paramref name="read"/> answers for the month.
    /// </summary>
    internal static Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> ReadMonthAsync<T>(
        string organizationId, OrganizationKind kind, UsageReadContext context,
        Func<UsageMonth, CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
        ReadNarrowedMonthAsync(organizationId, kind, context, static _ => Task.FromResult<ProblemHttpResult?>(null), read, cancellationToken);

    /// <summary>
    /// <see cref="ReadMonthAsync"/> with <paramref name="notOwned"/> (what the organization's read is narrowed to and is not its own: 404) checked once the organization is
    /// known visible, so that a stranger learns nothing of it.
    /// </summary>
    internal static async Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> ReadNarrowedMonthAsync<T>(
        string organizationId, OrganizationKind kind, UsageReadContext context, Func<CancellationToken, Task<ProblemHttpResult?>> notOwned,
        Func<UsageMonth, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        if (InvalidMonth(context.Month, out var firstDay) is { } invalid) return invalid;
        if (await NotVisibleAsync(organizationId, kind, context.Caller, context.Store, cancellationToken) is { } notVisible) return notVisible;
        if (await notOwned(cancellationToken) is { } unknown) return unknown;
        if (await ReadYourWrites.CheckAndWaitAsync(new Validation(), context.MinPosition, context.Daemon, InsightsProjection.ShardName, context.Http.Response, cancellationToken) is { } unready) return unready;

        var finalFrom = FinalFigures.From(firstDay.AddMonths(1).AddDays(-1));
        var month = new UsageMonth(context.Month!, firstDay, context.Time.GetUtcNow() < finalFrom, finalFrom);
        return TypedResults.Ok(await read(month, cancellationToken));
    }

    /// <summary>What a usage read answers besides 200, as <see cref="ReadMonthAsync"/> checks: an invalid month or position, an organization not visible, the read model not there yet.</summary>
    internal static RouteHandlerBuilder ProducesUsageReadProblems(this RouteHandlerBuilder endpoint) =>
        endpoint.ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static ValidationProblem? InvalidMonth(string? month, out DateOnly firstDay) =>
        InsightNames.TryMonth(month, out firstDay)
            ? null
            : Problems.Invalid("month", month is null ? "Give a month (YYYY-MM), e.g. 2026-03." : InsightNames.NotAMonth);

    /// <summary>Usage and deliveries are the organization's own and the operator's to read: to anyone else, and for an organization of another kind, it does not exist.</summary>
    private static async Task<ProblemHttpResult?> NotVisibleAsync(string organizationId, OrganizationKind kind, Caller caller, EventStore.EventStore store, CancellationToken cancellationToken)
    {
        var name = WireName.Of(kind);
        if (!caller.IsOperator) return caller.OrganizationId == organizationId && caller.Kind == kind ? null : Problems.NotFound(name);
        var organization = await store.LoadAsync(Organization.Stream(organizationId), cancellationToken);
        return organization.State?.Kind == kind ? null : Problems.NotFound(name);
    }

    private static UsageStatementResponse Statement(string companyId, string? companyName, UsageMonth month, IEnumerable<UsageLineFacts> facts)
    {
        var lines = facts.Select(UsageStatements.Price).ToList();
        return new UsageStatementResponse(companyId, companyName, month.Name, month.Provisional, month.FinalFrom, lines, UsageStatements.Totals(lines));
    }

    /// <summary>One statement per company with lines among <paramref name="facts"/>, in company id order, and the sums of all their lines.</summary>
    internal static T Statements<T>(UsageMonth month, IEnumerable<UsageLineFacts> facts, Func<IReadOnlyList<UsageStatementResponse>, UsageTotalsResponse, T> answer)
    {
        var statements = facts.GroupBy(line => line.CompanyId, StringComparer.Ordinal)
            .Select(company => Statement(company.Key, company.First().CompanyName, month, company))
            .ToList();
        return answer(statements, UsageStatements.Totals([.. statements.SelectMany(s => s.Lines)]));
    }
}
