using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.Api.Security;

namespace Services.Api.Organizations;

public enum ApiKeyStatus
{
    [JsonStringEnumMemberName("active")] Active,
    [JsonStringEnumMemberName("revoked")] Revoked,
    [JsonStringEnumMemberName("expired")] Expired,
}

/// <summary>An issued key as its organization sees it: never its secret, which only its issuing answer showed.</summary>
/// <param name="IssuedAt">When it was issued; null for keys issued before this was recorded.</param>
/// <param name="Id">The key's id (`key_…`): the middle of the key itself (`svc_key_…_…`), and what revokeApiKey takes.</param>
/// <param name="Label">The organization's own name for the key, to tell its integrations apart.</param>
/// <param name="Access">full (everything its organization may do), or read (GET only). Keys issued before keys could be restricted are full.</param>
/// <param name="Status">active; revoked (refused at once, for good); or expired (past its expiresAt: refused, 401 key_expired). A revoked key stays revoked past its expiry.</param>
/// <param name="ExpiresAt">When it stops working by itself; null when it works until revoked.</param>
/// <param name="LastUsedAt">The minute a request last authenticated with it (rounded down), within about a minute: uses are written in batches; null when it was never used (or not since this was recorded). Shows which keys an integration still uses before revoking the others.</param>
public sealed record ApiKeyResponse(string Id, string Label, ApiKeyAccess Access, ApiKeyStatus Status, DateTimeOffset? IssuedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? LastUsedAt)
{
    public static ApiKeyResponse From(IssuedApiKey key, IReadOnlyDictionary<string, DateTimeOffset> lastUses, DateTimeOffset now) =>
        new(key.KeyId, key.Label, key.Access, StatusOf(key, now), key.IssuedAt, key.ExpiresAt, lastUses.TryGetValue(key.KeyId, out var lastUsedAt) ? lastUsedAt : null);

    private static ApiKeyStatus StatusOf(IssuedApiKey key, DateTimeOffset now) =>
        key.Revoked ? ApiKeyStatus.Revoked : key.HasExpired(now) ? ApiKeyStatus.Expired : ApiKeyStatus.Active;

    /// <summary>
    /// Its place in the list, newest first: keys of unknown issue time last, then by id. To the
    /// microsecond, as a cursor keeps it, so that the next page starts exactly after it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public PageCursor Cursor => new(IssuedAt is { } at ? UtcInstantConverter.ToMicrosecond(at) : DateTimeOffset.UnixEpoch, Id);
}

/// <summary>The keys an organization was issued, so that it knows which to revoke when rotating them.</summary>
public static class ListApiKeysEndpoint
{
    public static void MapApiKeys(this IEndpointRouteBuilder organizations)
    {
        organizations.MapGet("/{organizationId}/api-keys", List)
            .WithName("listApiKeys")
            .AnswersWithVersion()
            .WithSummary("List an organization's API keys")
            .WithDescription("The organization itself or the operator; newest first, active, expired and revoked, with their labels, access, expiry and last use " +
                "(lastUsedAt, to the minute, within about a minute), to tell which keys are no longer used before revoking them. Never the secrets: a key is shown once, when issued. " +
                "Cursor pagination. Last uses and expiries change without the organization's version: If-None-Match never turns this answer into a 304.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        organizations.MapGet("/{organizationId}/api-keys/{keyId}", Get)
            .WithName("getApiKey")
            .AnswersWithVersion()
            .WithSummary("Read an API key")
            .WithDescription("The organization itself or the operator. Never the secret; its expiry and last use (lastUsedAt, within about a minute) as the list shows them. " +
                "The ETag is the organization's version, as for issuing and revoking keys; last uses and expiries change without it: If-None-Match never turns this answer into a 304.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Ok<Page<ApiKeyResponse>>, ValidationProblem, ProblemHttpResult>> List(
        string organizationId,
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        Caller caller, EventStore.EventStore store, ApiKeyUses uses, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.ApiKey, out var pageSize, out var cursor);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var (state, version, refused) = await ManagedAsync(store, organizationId, caller, cancellationToken);
        if (refused is not null) return refused;
        var lastUses = await uses.LastAsync(organizationId, cancellationToken);
        var now = time.GetUtcNow();
        var keys = state!.ApiKeys.Values
            .Select(key => ApiKeyResponse.From(key, lastUses, now))
            .Where(key => cursor is not { } from || Before(key.Cursor, from))
            .OrderByDescending(key => key.Cursor.At).ThenByDescending(key => key.Id, StringComparer.Ordinal)
            .Take(pageSize + 1)
            .ToList();
        ETags.Set(http.Response, version, validatesBody: false);
        return TypedResults.Ok(PageCursor.ToPage(keys, pageSize, key => key.Cursor));
    }

    /// <summary>Whether <paramref name="key"/> comes after <paramref name="cursor"/> in the newest-first order.</summary>
    private static bool Before(PageCursor key, PageCursor cursor) =>
        key.At < cursor.At || (key.At == cursor.At && string.CompareOrdinal(key.Id, cursor.Id) < 0);

    private static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> Get(
        string organizationId, string keyId, Caller caller, EventStore.EventStore store, ApiKeyUses uses, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        var (state, version, refused) = await ManagedAsync(store, organizationId, caller, cancellationToken);
        if (refused is not null) return refused;
        if (!state!.ApiKeys.TryGetValue(keyId, out var key)) return Problems.NotFound("API key");
        ETags.Set(http.Response, version, validatesBody: false);
        return TypedResults.Ok(ApiKeyResponse.From(key, await uses.LastAsync(organizationId, cancellationToken), time.GetUtcNow()));
    }

    /// <summary>The organization and its version, when the caller manages it (itself or the operator); else the answer to give.</summary>
    private static async Task<(OrganizationState? State, long Version, ProblemHttpResult? Refused)> ManagedAsync(
        EventStore.EventStore store, string organizationId, Caller caller, CancellationToken cancellationToken)
    {
        if (!Organization.IsManagedBy(organizationId, caller)) return (null, 0, await OrganizationAccess.NotManagedAsync(store, organizationId, caller, cancellationToken));
        var loaded = await store.LoadAsync(Organization.Stream(organizationId), cancellationToken);
        return loaded.State is null ? (null, 0, Problems.NotFound("organization")) : (loaded.State, loaded.Version, null);
    }
}
