using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Organizations;

public sealed record RenameOrganization(string OrganizationId, string Name);

public static partial class Organization
{
    public static Decision<IReadOnlyList<object>> Decide(RenameOrganization command, OrganizationState? state, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.OrganizationId);
        if (state.Name == command.Name) return Decision.Accept();

        return Decision.Accept(new OrganizationRenamed(command.Name));
    }
}

/// <param name="Name">Its name from now on.</param>
public sealed record RenameOrganizationRequest([property: StringLength(Organization.MaxName, MinimumLength = 1)] string Name)
{
    public Validation Validate() => new Validation().Text("name", Name, Organization.MaxName);
}

public static class RenameOrganizationEndpoint
{
    public static void MapRenameOrganization(this IEndpointRouteBuilder organizations) =>
        organizations.MapPatch("/{organizationId}", Handle)
            .WithName("renameOrganization")
            .WithSummary("Rename an organization")
            .WithDescription("The organization itself or the operator. Send the ETag as If-Match to change only what you read.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AcceptsIfMatch();

    private static async Task<Results<Ok<OrganizationResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string organizationId, RenameOrganizationRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        if (!Organization.IsManagedBy(organizationId, caller)) return await OrganizationAccess.NotManagedAsync(store, organizationId, caller, cancellationToken);
        var validation = request.Validate();
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var change = await runner.ChangeAsync(store, Organization.Stream(organizationId), "organization",
            _ => true, ifMatch,
            state => Organization.Decide(new RenameOrganization(organizationId, request.Name.Trim()), state, time.GetUtcNow()),
            Writes.Metadata(http, caller), cancellationToken);
        return change.ToHttp(http.Response, state => TypedResults.Ok(OrganizationResponse.From(state, caller)));
    }
}
