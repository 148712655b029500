using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Organizations;

/// <summary>The caller generates the key and its secret; only what identifies the key reaches the stream.</summary>
public sealed record IssueApiKey(string OrganizationId, string KeyId, string Label, string Prefix, ApiKeyAccess Access, DateTimeOffset? ExpiresAt = null);

public static partial class Organization
{
    /// <summary>
    /// Active keys an organization may hold: enough for one per integration and a rotation under way.
    /// Rate limits are per key, and keys share one cache per node: more keys would buy more of both.
    /// Revoked and expired keys make room.
    /// </summary>
    public const int MaxActiveApiKeys = 20;

    /// <summary>The furthest a key's expiresAt may be: a key meant to end by itself should end within sight; one that never does takes none.</summary>
    public const int MaxApiKeyYears = 2;

    public static Decision<IReadOnlyList<object>> Decide(IssueApiKey command, OrganizationState? state, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.OrganizationId);
        if (state.ApiKeys.ContainsKey(command.KeyId))
            return Decision.Refuse("api_key_exists", $"API key {command.KeyId} already exists.");
        if (state.ApiKeys.Values.Count(key => !key.Revoked && !key.HasExpired(now)) >= MaxActiveApiKeys)
            return Decision.Refuse("api_key_limit_reached", $"Organization {state.Id} already holds {MaxActiveApiKeys} active API keys; revoke one it no longer uses first.");

        return Decision.Accept(new ApiKeyIssued(command.KeyId, command.Label, command.Prefix, now, command.Access, command.ExpiresAt));
    }
}

/// <param name="Label">The organization's own name for the key, to tell its integrations apart when rotating.</param>
/// <param name="Access">full (the default): everything the organization may do; read: GET only, every other method refused (403 key_read_only), for a dashboard or an analytics tool that must not change anything if its key leaks.</param>
/// <param name="ExpiresAt">When the key stops working by itself (401 key_expired from then on), e.g. for a contractor's temporary access: in the future, at most 2 years ahead. Absent or null: it works until revoked.</param>
public sealed record IssueApiKeyRequest(
    [property: StringLength(IssueApiKeyRequest.MaxLabel, MinimumLength = 1)] string Label,
    ApiKeyAccess Access = ApiKeyAccess.Full,
    DateTimeOffset? ExpiresAt = null)
{
    public const int MaxLabel = 100;

    public Validation Validate(DateTimeOffset now)
    {
        var validation = new Validation().Text("label", Label, MaxLabel);
        var horizon = now.AddYears(Organization.MaxApiKeyYears);
        if (ExpiresAt <= now) validation.Add("expiresAt", $"A key expires in the future, after {WireName.Of(now)}; leave expiresAt out for a key that never expires.");
        else if (ExpiresAt > horizon) validation.Add("expiresAt", $"A key expires at most {Organization.MaxApiKeyYears} years ahead, by {WireName.Of(horizon)}; leave expiresAt out for a key that never expires.");
        return validation;
    }
}

/// <summary>The only answer that ever shows <see cref="Key"/>: store it now.</summary>
/// <param name="Id">The key's id (`key_…`), as listApiKeys shows it and revokeApiKey takes.</param>
/// <param name="OrganizationId">The organization (`org_…`) the key acts for.</param>
/// <param name="Label">The organization's own name for the key.</param>
/// <param name="Key">The secret key (`svc_key_…`), to send as `Authorization: Bearer &lt;key&gt;`. Only its hash is kept: it cannot be shown again.</param>
/// <param name="Access">full, or read (GET only). Absent from the replay of an answer kept before keys could be restricted: full.</param>
/// <param name="ExpiresAt">When the key stops working by itself; null when it works until revoked (and absent from the replay of an answer kept before keys could expire).</param>
public sealed record IssuedApiKeyResponse(string Id, string OrganizationId, string Label, string Key, [property: AddedLater] ApiKeyAccess Access, [property: AddedLater] DateTimeOffset? ExpiresAt);

public static class IssueApiKeyEndpoint
{
    public static void MapIssueApiKey(this IEndpointRouteBuilder organizations) =>
        organizations.MapPost("/{organizationId}/api-keys", Handle)
            .WithName("issueApiKey")
            .WithSummary("Issue an API key (its secret is shown once)")
            .WithDescription("The organization itself or the operator. The key acts as the organization, with its kind's permissions; a key of access read " +
                "may only read (GET: any other method is 403 key_read_only), for integrations that must not change anything if their key leaks. Only a hash is kept. " +
                $"A key given expiresAt (in the future, at most {Organization.MaxApiKeyYears} years ahead) stops working by itself then: 401 key_expired, its status expired. " +
                $"An organization holds at most {Organization.MaxActiveApiKeys} active keys, revoked and expired ones not counted (409 api_key_limit_reached: revoke one first).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("api_key_limit_reached")
            .AcceptsIfMatch();

    private static async Task<Results<Created<IssuedApiKeyResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string organizationId, IssueApiKeyRequest request, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        if (!Organization.IsManagedBy(organizationId, caller)) return await OrganizationAccess.NotManagedAsync(store, organizationId, caller, cancellationToken);
        var now = time.GetUtcNow();
        var validation = request.Validate(now);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var keyId = Ids.New(Ids.ApiKey);
        var (token, hash) = ApiKeySecrets.Issue(keyId);
        var label = request.Label.Trim();
        var change = await runner.ChangeAsync(store, Organization.Stream(organizationId), "organization",
            _ => true, ifMatch,
            state => Organization.Decide(new IssueApiKey(organizationId, keyId, label, ApiKeySecrets.Prefix, request.Access, request.ExpiresAt), state, now),
            Writes.Metadata(http, caller), cancellationToken,
            alongside: state => [ApiKeyRows.Insert(keyId, organizationId, state.Kind.ToString(), hash, label, request.Access, request.ExpiresAt)]);
        return change.ToHttp(http.Response, _ => TypedResults.Created(
            $"/v1/organizations/{organizationId}/api-keys/{keyId}", new IssuedApiKeyResponse(keyId, organizationId, label, token, request.Access, request.ExpiresAt)));
    }
}
