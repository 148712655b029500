using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Organizations;

public sealed record RevokeApiKey(string OrganizationId, string KeyId);

public static partial class Organization
{
    public static Decision<IReadOnlyList<object>> Decide(RevokeApiKey command, OrganizationState? state, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.OrganizationId);
        if (!state.ApiKeys.TryGetValue(command.KeyId, out var key))
            return Decision.Refuse("api_key_not_found", $"Organization {command.OrganizationId} has no API key {command.KeyId}.");
        if (key.Revoked)
            return Decision.Refuse("api_key_revoked", $"API key {command.KeyId} is already revoked.");

        return Decision.Accept(new ApiKeyRevoked(command.KeyId));
    }
}

public static class RevokeApiKeyEndpoint
{
    public static void MapRevokeApiKey(this IEndpointRouteBuilder organizations) =>
        organizations.MapDelete("/{organizationId}/api-keys/{keyId}", Handle)
            .WithName("revokeApiKey")
            .WithSummary("Revoke an API key")
            .WithDescription("The organization itself or the operator. The key stops working at once.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("api_key_revoked")
            .AcceptsIfMatch();

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Handle(
        string organizationId, string keyId, Caller caller, ApiKeyCache keys, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        if (!Organization.IsManagedBy(organizationId, caller)) return await OrganizationAccess.NotManagedAsync(store, organizationId, caller, cancellationToken);
        var change = await runner.ChangeAsync(store, Organization.Stream(organizationId), "organization",
            _ => true, ifMatch,
            state => Organization.Decide(new RevokeApiKey(organizationId, keyId), state, time.GetUtcNow()),
            Writes.Metadata(http, caller), cancellationToken,
            alongside: _ => [ApiKeyRows.Revoke(keyId)]);
        // This node refuses the key from the next request on; the others when the NOTIFY reaches them.
        keys.Forget(keyId);
        return change.ToHttp(http.Response, _ => TypedResults.NoContent());
    }
}
