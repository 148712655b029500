using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Organizations;

/// <summary>What a caller may know of organizations, read from the store at the endpoints' edge (the deciders stay pure).</summary>
public static class OrganizationAccess
{
    /// <summary>
    /// The organizations among <paramref name="ids"/> that exist and that the caller may read, by id. One it may not
    /// read is as unknown wherever the caller names it, so that naming ids cannot find out which companies exist.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, OrganizationState>> LoadVisibleAsync(
        EventStore.EventStore store, IEnumerable<string> ids, Caller caller, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var found = await store.LoadManyAsync(ids, Organization.Stream, cancellationToken);
        if (found.Values.All(organization => Organization.IsVisibleTo(organization, caller, null))) return found;
        var callerState = (await store.LoadAsync(Organization.Stream(caller.OrganizationId), cancellationToken)).State;
        return found.Where(pair => Organization.IsVisibleTo(pair.Value, caller, callerState)).ToDictionary(StringComparer.Ordinal);
    }

    /// <summary>
    /// The answer to a caller who does not manage the organization: 403 when it may know that the organization
    /// exists (it may read it), otherwise 404, as for one that does not exist (<paramref name="what"/>, as the endpoint's other 404 names it).
    /// </summary>
    public static async Task<ProblemHttpResult> NotManagedAsync(EventStore.EventStore store, string organizationId, Caller caller, CancellationToken cancellationToken, string what = "organization")
    {
        ArgumentNullException.ThrowIfNull(caller);
        var organization = (await store.LoadAsync(Organization.Stream(organizationId), cancellationToken)).State;
        var callerState = organization is null ? null : (await store.LoadAsync(Organization.Stream(caller.OrganizationId), cancellationToken)).State;
        return organization is not null && Organization.IsVisibleTo(organization, caller, callerState)
            ? Problems.Forbidden($"Only organization {organizationId} itself or the operator may do this.")
            : Problems.NotFound(what);
    }
}
