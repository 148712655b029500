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
}

/// <summary>An issued key as its organization sees it: never its secret, which only its issuing answer showed.</summary>
/// <param name="IssuedAt">When it was issued; null for keys issued before this was recorded.</param>
/// <param name="Id">The key's id (`key_…`): the middle of the key itself (`svc_key_…_…`), and what revokeApiKey takes.</param>
/// <param name="Label">The organization's own name for the key, to tell its integrations apart.</param>
/// <param name="Access">full (everything its organization may do), or read (GET only). Keys issued before keys could be restricted are full.</param>
/// <param name="Status">active, or revoked (refused at once, for good).</param>
public sealed record ApiKeyResponse(string Id, string Label, ApiKeyAccess Access, ApiKeyStatus Status, DateTimeOffset? IssuedAt)
{
    public static ApiKeyResponse From(IssuedApiKey key) =>
        new(key.KeyId, key.Label, key.Access, key.Revoked ? ApiKeyStatus.Revoked : ApiKeyStatus.Active, key.IssuedAt);

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
            .AcceptsIfNoneMatch()
            .WithSummary("List an organization's API keys")
            .WithDescription("The organization itself or the operator; newest first, active and revoked, with their labels and access. Never the secrets: a key is shown once, when issued. Cursor pagination.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
        organizations.MapGet("/{organizationId}/api-keys/{keyId}", Get)
            .WithName("getApiKey")
            .AcceptsIfNoneMatch()
            .WithSummary("Read an API key")
            .WithDescription("The organization itself or the operator. Never the secret. The ETag is the organization's version, as for issuing and revoking keys.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Ok<Page<ApiKeyResponse>>, ValidationProblem, ProblemHttpResult>> List(
        string organizationId,
        [Description("Page size, 1 to 100 (default 20)."), Range(1, PageCursor.MaxLimit), DefaultValue(PageCursor.DefaultLimit)] int? limit,
        [Description("The next cursor of the previous page.")] string? after,
        Caller caller, EventStore.EventStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = PageCursor.Validate(limit, after, Ids.ApiKey, out var pageSize, out var cursor);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        var (state, version, refused) = await ManagedAsync(store, organizationId, caller, cancellationToken);
        if (refused is not null) return refused;
        var keys = state!.ApiKeys.Values
            .Select(ApiKeyResponse.From)
            .Where(key => cursor is not { } from || Before(key.Cursor, from))
            .OrderByDescending(key => key.Cursor.At).ThenByDescending(key => key.Id, StringComparer.Ordinal)
            .Take(pageSize + 1)
            .ToList();
        ETags.Set(http.Response, version);
        return TypedResults.Ok(PageCursor.ToPage(keys, pageSize, key => key.Cursor));
    }

    /// <summary>Whether <paramref name="key"/> comes after <paramref name="cursor"/> in the newest-first order.</summary>
    private static bool Before(PageCursor key, PageCursor cursor) =>
        key.At < cursor.At || (key.At == cursor.At && string.CompareOrdinal(key.Id, cursor.Id) < 0);

    private static async Task<Results<Ok<ApiKeyResponse>, ProblemHttpResult>> Get(
        string organizationId, string keyId, Caller caller, EventStore.EventStore store, HttpContext http, CancellationToken cancellationToken)
    {
        var (state, version, refused) = await ManagedAsync(store, organizationId, caller, cancellationToken);
        if (refused is not null) return refused;
        if (!state!.ApiKeys.TryGetValue(keyId, out var key)) return Problems.NotFound("API key");
        ETags.Set(http.Response, version);
        return TypedResults.Ok(ApiKeyResponse.From(key));
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
