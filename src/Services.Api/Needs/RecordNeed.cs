using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Organizations;
using Services.Api.Security;
using Services.Api.Territories;
using Services.EventStore;

namespace Services.Api.Needs;

public sealed record RecordNeed(
    string NeedId,
    string CompanyId,
    Category Category,
    string Territory,
    int Headcount,
    string Description,
    string? WishedSchedule);

public static partial class Need
{
    public static Decision<IReadOnlyList<object>> Decide(RecordNeed command, NeedState? state, DateTimeOffset now)
    {
        if (state is not null)
            return Decision.Refuse("need_exists", $"Need {command.NeedId} already exists.");
        if (command.Headcount < 1)
            return Decision.Refuse("invalid_headcount", $"A need is for at least 1 person; got {command.Headcount}.");

        return Decision.Accept(new NeedRecorded(
            command.NeedId, command.CompanyId, command.Category, command.Territory, command.Headcount,
            command.Description, command.WishedSchedule, now));
    }
}

/// <param name="CompanyId">The company the need is recorded for: required from the operator; a company records for itself.</param>
/// <param name="Category">The kind of service needed.</param>
/// <param name="Territory">The code of the territory where it is needed: its clubs and partners see the need; one nobody covers is refused.</param>
/// <param name="Headcount">How many of the company's staff need it.</param>
/// <param name="Description">The need, in the company's words (no personal data).</param>
/// <param name="WishedSchedule">When they would need it, in the company's words ("weekdays 5:30-7:30").</param>
public sealed record RecordNeedRequest(
    Category Category,
    [property: Territory] string Territory,
    [property: Range(1, Need.MaxHeadcount)] int Headcount,
    [property: StringLength(Need.MaxDescription, MinimumLength = 1)] string Description,
    [property: MaxLength(Need.MaxWishedSchedule)] string? WishedSchedule = null,
    [property: Id(Ids.Organization)] string? CompanyId = null)
{
    public Validation Validate(Caller caller) => new Validation()
            .Territory("territory", Territory)
            .Range("headcount", Headcount, 1, Need.MaxHeadcount)
            .Text("description", Description, Need.MaxDescription)
            .Text("wishedSchedule", WishedSchedule, Need.MaxWishedSchedule, required: false)
            .Id("companyId", CompanyId, Ids.Organization, required: caller.IsOperator);
}

public static class RecordNeedEndpoint
{
    public static void MapRecordNeed(this IEndpointRouteBuilder needs) =>
        needs.MapPost("", Handle)
            .WithName("recordNeed")
            .AnswersWithVersion()
            .WithSummary("Record a need (company)")
            .WithDescription(
                "A company records what its staff need and no offer serves yet; the clubs and partners of the territory see it. The operator records for a company by giving companyId. " +
                "The territory must have a club or a partner (listTerritories: clubs > 0 or partners > 0), or no one would see the need: else 409 territory_not_covered, " +
                "whose coveredTerritories name the territories meant (all of them if few, else the nearest). A club or partner counts from its registration's answer on.")
            .AllowKinds(OrganizationKind.Company)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("not_a_company", TerritoryCoverage.NotCoveredCode);

    private static async Task<Results<Created<NeedResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        RecordNeedRequest request, Caller caller, EventStore.EventStore store, NpgsqlDataSource db, TimeProvider time, HttpContext http,
        CancellationToken cancellationToken)
    {
        var validation = request.Validate(caller);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (caller.ActsFor(request.CompanyId) is not { } companyId)
            return Problems.Forbidden("A company records needs for itself only; leave companyId out or give your own id.");
        if (caller.IsOperator)
        {
            var company = (await store.LoadAsync(Organization.Stream(companyId), cancellationToken)).State;
            if (company is null) return Problems.NotFound("company");
            if (!Organization.IsA(OrganizationKind.Company, companyId, company, out var notACompany)) return Problems.Refused(notACompany);
        }
        // The operator too: a need it records where no club or partner is would reach no one either.
        if (await TerritoryCoverage.UncoveredAsync([request.Territory], TerritoryCoverage.UnseenNeed, db, cancellationToken) is { } uncovered) return Problems.Refused(uncovered);

        var id = Ids.New(Ids.Need);
        var stream = Need.Stream(id);
        var decision = Need.Decide(
            new RecordNeed(id, companyId, request.Category, request.Territory, request.Headcount, request.Description.Trim(), request.WishedSchedule?.Trim()),
            null, time.GetUtcNow());
        if (decision.Refusal is { } refusal) return Problems.Refused(refusal);
        var result = await store.AppendAsync(stream.Id, stream.Type, ExpectedVersion.NoStream, decision.Events!, Writes.Metadata(http, caller), cancellationToken);
        Writes.Answered(http.Response, result, stream.Id);
        return TypedResults.Created($"/v1/needs/{id}", NeedResponse.From(stream.Fold(null, decision.Events!)!, caller));
    }
}
