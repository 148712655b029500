using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;
using Services.Api.Territories;
using Services.EventStore;

namespace Services.Api.Organizations;

public sealed record RegisterOrganization(
    string OrganizationId,
    OrganizationKind Kind,
    string Name,
    IReadOnlyList<string> Territories,
    string? Siret);

public static partial class Organization
{
    public static Decision<IReadOnlyList<object>> Decide(RegisterOrganization command, OrganizationState? state, DateTimeOffset now)
    {
        if (state is not null)
            return Decision.Refuse("organization_exists", $"Organization {command.OrganizationId} already exists.");
        if (command.Kind == OrganizationKind.Company && command.Siret is null)
            return Decision.Refuse("siret_required", "A company is registered with its SIRET.");
        if (command.Kind != OrganizationKind.Company && command.Siret is not null)
            return Decision.Refuse("siret_not_applicable", $"Only companies have a SIRET here; a {WireName.Of(command.Kind)} is registered without one.");
        if (command.Siret is not null && !Siret.IsValid(command.Siret))
            return Decision.Refuse("invalid_siret", $"SIRET {command.Siret} is not valid: it must be 14 digits with a correct Luhn check digit.");

        return Decision.Accept(new OrganizationRegistered(
            command.OrganizationId, command.Kind, command.Name, command.Territories, command.Siret, now));
    }
}

/// <param name="Kind">club, company, provider or partner: what its keys may do.</param>
/// <param name="Name">Its name, as shown to the other organizations.</param>
/// <param name="Territories">The codes of the territories it belongs to (`grand-figeac`).</param>
/// <param name="Siret">The French establishment number (14 digits); a company's is claimed by one organization only.</param>
public sealed record RegisterOrganizationRequest(
    OrganizationKind Kind,
    [property: StringLength(Organization.MaxName, MinimumLength = 1)] string Name,
    [property: Territory, Length(1, Validation.MaxTerritories)] IReadOnlyList<string> Territories,
    [property: RegularExpression(Organizations.Siret.Pattern)] string? Siret = null)
{
    public Validation Validate()
    {
        var validation = new Validation().Text("name", Name, Organization.MaxName).Territories("territories", Territories);
        if (Kind == OrganizationKind.Operator) validation.Add("kind", "The operator is not an organization one registers.");
        if (Kind == OrganizationKind.Company && Siret is null) validation.Add("siret", "A company is registered with its SIRET (14 digits).");
        if (Kind != OrganizationKind.Company && Siret is not null) validation.Add("siret", "Only companies have a SIRET here.");
        if (Siret is not null && !Organizations.Siret.IsValid(Siret)) validation.Add("siret", Organizations.Siret.Invalid);
        return validation;
    }
}

public static class RegisterOrganizationEndpoint
{
    public static void MapRegisterOrganization(this IEndpointRouteBuilder organizations) =>
        organizations.MapPost("", Handle)
            .WithName("registerOrganization")
            .AnswersWithVersion()
            .WithSummary("Register an organization (operator)")
            .WithDescription(
                "Registers a club, company (with its SIRET: one company per SIRET), provider or partner. Issue it an API key next. " +
                "Clubs and partners open territories; a company or a provider joins territories a club or a partner already belongs to " +
                "(409 territory_not_covered naming them otherwise: register the club or partner first).")
            .AllowKinds()
            .ProducesValidationProblem()
            .Refuses("siret_registered", TerritoryCoverage.NotCoveredCode);

    private const string SiretKey = "organization_sirets_pkey";

    private static async Task<string?> RegisteredAsAsync(NpgsqlDataSource db, string siret, CancellationToken cancellationToken)
    {
        await using var command = ReadModelSql.Command(db, "select organization_id from organization_sirets where siret = $1", siret);
        return (string?)await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// What the registration claims in its own transaction: a company its SIRET (one company per SIRET), a club or a
    /// partner its territories (a need is recorded only where one of them would see it: <see cref="TerritoryCoverage"/>).
    /// </summary>
    private static IEnumerable<NpgsqlBatchCommand> Claims(string id, RegisterOrganizationRequest request)
    {
        if (request.Siret is { } siret) yield return ReadModelSql.BatchCommand("insert into organization_sirets (siret, organization_id) values ($1, $2)", siret, id);
        if (TerritoryCoverage.Covers(request.Kind))
            yield return ReadModelSql.BatchCommand("insert into covered_territories (territory) select unnest($1::text[]) on conflict do nothing", (object)request.Territories.ToArray());
    }

    private static async Task<Results<Created<OrganizationResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        RegisterOrganizationRequest request, Caller caller, EventStore.EventStore store, NpgsqlDataSource db, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = request.Validate();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (!TerritoryCoverage.Covers(request.Kind)
            && await TerritoryCoverage.UncoveredAsync(request.Territories, TerritoryCoverage.UnservedOrganization, db, cancellationToken) is { } uncovered)
            return Problems.Refused(uncovered);
        var id = Ids.New(Ids.Organization);
        var stream = Organization.Stream(id);
        var decision = Organization.Decide(new RegisterOrganization(id, request.Kind, request.Name.Trim(), request.Territories, request.Siret), null, time.GetUtcNow());
        if (decision.Refusal is { } refusal) return Problems.Refused(refusal);
        AppendResult result;
        try
        {
            result = await store.AppendAsync([new StreamAppend(stream.Id, stream.Type, ExpectedVersion.NoStream, decision.Events!)], Writes.Metadata(http, caller),
                () => Claims(id, request),
                cancellationToken);
        }
        catch (PostgresException ex) when (ex is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: SiretKey })
        {
            return Problems.Refused(new Refusal("siret_registered", $"SIRET {request.Siret} is already registered, as organization {await RegisteredAsAsync(db, request.Siret!, cancellationToken)}."));
        }
        Writes.Answered(http.Response, result, stream.Id);
        return TypedResults.Created($"/v1/organizations/{id}", OrganizationResponse.From(stream.Fold(null, decision.Events!)!, caller));
    }
}
