using System.Security.Claims;
using Services.Api.Common;

namespace Services.Api.Security;

/// <summary>The organization a request acts for, what kind it is, and what its key may do. Bound from the authenticated key.</summary>
public sealed record Caller(string OrganizationId, OrganizationKind Kind, ApiKeyAccess Access)
{
    /// <summary>The platform operator acts under this organization id.</summary>
    public const string OperatorId = "operator";

    public const string KindClaim = "services:kind";

    public const string AccessClaim = "services:access";

    /// <summary>The claim naming the API key used (<c>key_…</c>, or <c>operator</c>).</summary>
    public const string KeyClaim = "services:key";

    public bool IsOperator => Kind == OrganizationKind.Operator;

    /// <summary>
    /// The organization a command acts for where its body or query may name one (<c>companyId</c>,
    /// <c>clubId</c>): the one the operator names (validation requires it), or the caller's own. Null when an
    /// organization names another than itself: acting for someone else is forbidden (403) in every such command.
    /// </summary>
    public string? ActsFor(string? named) => IsOperator
        ? named ?? throw new InvalidOperationException("The operator names the organization it acts for: validate that first.")
        : named is null || named == OrganizationId ? OrganizationId : null;

    public static ValueTask<Caller?> BindAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ValueTask.FromResult(From(context.User));
    }

    public static Caller? From(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var id = user.FindFirstValue(ClaimTypes.NameIdentifier);
        var kind = user.FindFirstValue(KindClaim);
        var access = user.FindFirstValue(AccessClaim);
        return id is null || kind is null || access is null ? null : new Caller(id, Enum.Parse<OrganizationKind>(kind), Enum.Parse<ApiKeyAccess>(access));
    }

    public ClaimsPrincipal ToPrincipal(string scheme, string keyId) => new(new ClaimsIdentity(
        [
            new Claim(ClaimTypes.NameIdentifier, OrganizationId),
            new Claim(KindClaim, Kind.ToString()),
            new Claim(AccessClaim, Access.ToString()),
            new Claim(ClaimTypes.Role, Kind.ToString()),
            new Claim(KeyClaim, keyId),
        ], scheme));
}
