using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Services.Api.Common;
using Services.Api.Security;

namespace Services.Api.Organizations;

/// <param name="OrganizationId">The new organization's id (`org_…`).</param>
/// <param name="Kind">club, company, provider or partner: what its keys may do.</param>
/// <param name="Name">Its name.</param>
/// <param name="Territories">The codes of the territories it belongs to.</param>
/// <param name="Siret">The French establishment number (14 digits), when given.</param>
/// <param name="RegisteredAt">When it was registered (UTC).</param>
public sealed record OrganizationRegistered(
    string OrganizationId,
    OrganizationKind Kind,
    string Name,
    IReadOnlyList<string> Territories,
    string? Siret,
    DateTimeOffset RegisteredAt);

/// <param name="Name">Its name from now on.</param>
public sealed record OrganizationRenamed(string Name);

/// <param name="CompanyId">The company (`org_…`) the club admitted: it may now subscribe to the club's offers.</param>
public sealed record MemberAdmitted(string CompanyId);

/// <param name="RemovedAt">When the company was removed; absent from removals recorded before it ended the company's subscriptions.</param>
/// <param name="CompanyId">The company (`org_…`) the club removed: its subscriptions to the club's offers end.</param>
public sealed record MemberRemoved(string CompanyId, DateTimeOffset? RemovedAt = null);

/// <summary>Never carries the secret nor its hash: events are shared through the change feed.</summary>
/// <param name="IssuedAt">Absent from events before it was recorded.</param>
/// <param name="KeyId">The key's id (`key_…`), as listApiKeys shows it.</param>
/// <param name="Label">The organization's own name for the key.</param>
/// <param name="Prefix">The prefix every key of this API starts with (`svc_`), to recognize one in logs and configuration: never any part of the secret.</param>
/// <param name="Access">full (everything its organization may do) or read (GET only); absent from events before keys could be restricted, all full.</param>
/// <param name="ExpiresAt">When the key stops working by itself; absent when it never does (and from events before keys could expire).</param>
public sealed record ApiKeyIssued(string KeyId, string Label, string Prefix, DateTimeOffset? IssuedAt = null, ApiKeyAccess? Access = null, DateTimeOffset? ExpiresAt = null);

/// <param name="KeyId">The key (`key_…`) refused from now on, for good.</param>
public sealed record ApiKeyRevoked(string KeyId);

/// <summary>
/// The company's side of subscription.subscribed, written with it: a reader following subscription events
/// can skip it. (On the company's stream, so that one active subscription per company and offer is decided from one stream.)
/// </summary>
/// <param name="SubscriptionId">The new subscription (`sub_…`).</param>
/// <param name="OfferId">Its offer (`off_…`): one active subscription per company and offer.</param>
public sealed record SubscriptionOpened(string SubscriptionId, string OfferId);

/// <summary>The company's side of subscription.cancelled, written with it: a reader following subscription events can skip it.</summary>
/// <param name="EndsOn">The cancelled subscription's last day (offer's calendar); absent from events before it was recorded.</param>
/// <param name="SubscriptionId">The subscription (`sub_…`) cancelled.</param>
/// <param name="OfferId">Its offer (`off_…`): the company may subscribe to it again.</param>
public sealed record SubscriptionClosed(string SubscriptionId, string OfferId, DateOnly? EndsOn = null);

/// <param name="ExpiresAt">Null: it never expires.</param>
public sealed record IssuedApiKey(string KeyId, string Label, string Prefix, bool Revoked, DateTimeOffset? IssuedAt, ApiKeyAccess Access, DateTimeOffset? ExpiresAt)
{
    public bool HasExpired(DateTimeOffset now) => ExpiresAt <= now;
}

/// <param name="RemovedMembers">Companies removed from this club and not admitted since, with when (null: a removal recorded without it).</param>
/// <param name="Renamed">Renamed at least once: what shows its name next to another resource (a booking's companyName) has changed without that resource's version.</param>
public sealed record OrganizationState(
    string Id,
    OrganizationKind Kind,
    string Name,
    IReadOnlyList<string> Territories,
    string? Siret,
    ImmutableHashSet<string> Members,
    ImmutableDictionary<string, DateTimeOffset?> RemovedMembers,
    ImmutableDictionary<string, IssuedApiKey> ApiKeys,
    ImmutableDictionary<string, string> ActiveSubscriptionsByOffer,
    ImmutableDictionary<string, DateOnly> CancelledSubscriptionsEndingOn,
    bool Renamed = false);

public static partial class Organization
{
    public const string StreamType = "organization";
    public const int MaxName = 200;

    public static string StreamId(string organizationId) => $"organization-{organizationId}";

    public static OrganizationState? Evolve(OrganizationState? state, object @event) => (state, @event) switch
    {
        (null, OrganizationRegistered e) => new OrganizationState(
            e.OrganizationId, e.Kind, e.Name, e.Territories, e.Siret, [], ImmutableDictionary<string, DateTimeOffset?>.Empty,
            ImmutableDictionary<string, IssuedApiKey>.Empty, ImmutableDictionary<string, string>.Empty, ImmutableDictionary<string, DateOnly>.Empty),
        ({ } s, OrganizationRenamed e) => s with { Name = e.Name, Renamed = true },
        ({ } s, MemberAdmitted e) => s with { Members = s.Members.Add(e.CompanyId), RemovedMembers = s.RemovedMembers.Remove(e.CompanyId) },
        ({ } s, MemberRemoved e) => s with { Members = s.Members.Remove(e.CompanyId), RemovedMembers = s.RemovedMembers.SetItem(e.CompanyId, e.RemovedAt) },
        ({ } s, ApiKeyIssued e) => s with { ApiKeys = s.ApiKeys.SetItem(e.KeyId, new IssuedApiKey(e.KeyId, e.Label, e.Prefix, Revoked: false, e.IssuedAt, e.Access ?? ApiKeyAccess.Full, e.ExpiresAt)) },
        ({ } s, ApiKeyRevoked e) when s.ApiKeys.TryGetValue(e.KeyId, out var key) => s with { ApiKeys = s.ApiKeys.SetItem(e.KeyId, key with { Revoked = true }) },
        ({ } s, SubscriptionOpened e) => s with
        {
            ActiveSubscriptionsByOffer = s.ActiveSubscriptionsByOffer.SetItem(e.OfferId, e.SubscriptionId),
            CancelledSubscriptionsEndingOn = s.CancelledSubscriptionsEndingOn.Remove(e.OfferId),
        },
        ({ } s, SubscriptionClosed e) => s with
        {
            ActiveSubscriptionsByOffer = s.ActiveSubscriptionsByOffer.Remove(e.OfferId),
            CancelledSubscriptionsEndingOn = e.EndsOn is { } endsOn ? s.CancelledSubscriptionsEndingOn.SetItem(e.OfferId, endsOn) : s.CancelledSubscriptionsEndingOn,
        },
        _ => state,
    };

    internal static Refusal NotFound(string organizationId) =>
        Decision.Refuse("organization_not_found", $"Organization {organizationId} does not exist.");

    internal static bool IsA(
        OrganizationKind kind,
        string organizationId,
        [NotNullWhen(true)] OrganizationState? organization,
        [NotNullWhen(false)] out Refusal? refusal)
    {
        refusal = organization switch
        {
            null => NotFound(organizationId),
            { Kind: var actual } when actual != kind => Decision.Refuse(
                $"not_a_{WireName.Of(kind)}", $"Organization {organizationId} is a {WireName.Of(actual)}, not a {WireName.Of(kind)}."),
            _ => null,
        };
        return refusal is null;
    }
}
