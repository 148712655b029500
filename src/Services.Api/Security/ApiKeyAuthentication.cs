using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Services.Api.Common;
using Services.Api.Infrastructure;

namespace Services.Api.Security;

public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Bootstraps everything: acts as the platform operator. From <c>Auth:OperatorKey</c>.</summary>
    public string? OperatorKey { get; set; }
}

/// <summary>Bearer API keys: the operator key from configuration, or an organization's key from the database (through <see cref="ApiKeyLookup"/>).</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyLookup keys,
    ApiKeyUses uses,
    RateLimiting limits,
    TimeProvider time)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    public const string ExpiredCode = "key_expired";

    private const string ExpiredAtItem = "expiredAt";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.Fail("Use 'Authorization: Bearer <api key>'.");
        var token = header["Bearer ".Length..].Trim();

        if (Options.OperatorKey is { Length: > 0 } operatorKey
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(ApiKeySecrets.Hash(token), ApiKeySecrets.Hash(operatorKey)))
        {
            return Success(new Caller(Caller.OperatorId, OrganizationKind.Operator, ApiKeyAccess.Full), "operator");
        }
        if (!ApiKeySecrets.TryParse(token, out var keyId, out var secret)) return AuthenticateResult.Fail("Unknown API key.");

        var key = await keys.FindAsync(keyId, secret, () => limits.MayLookUpKey(Context), Context.RequestAborted);
        if (key is null || !ApiKeySecrets.Matches(key.SecretHash, secret)) return AuthenticateResult.Fail("Unknown or revoked API key.");
        // Checked here, on the kept key as on the one just read: a key expires at its time, not when the cache lets it go.
        if (key.HasExpired(time.GetUtcNow()))
            return AuthenticateResult.Fail("Expired API key.", new AuthenticationProperties(new Dictionary<string, string?> { [ExpiredAtItem] = WireName.Of(key.ExpiresAt!.Value) }));
        uses.Record(keyId);
        return Success(key.Caller, keyId);
    }

    private AuthenticateResult Success(Caller caller, string keyId) =>
        AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(Scheme.Name, keyId), Scheme.Name));

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        if ((await HandleAuthenticateOnceSafeAsync()).Properties?.Items.TryGetValue(ExpiredAtItem, out var expiredAt) == true)
        {
            await Write(StatusCodes.Status401Unauthorized, ExpiredCode, "API key expired",
                $"This API key expired at {expiredAt}. Use another key, or have your organization issue a new one (issueApiKey).");
            return;
        }
        await Write(StatusCodes.Status401Unauthorized, "unauthorized", "Authentication required",
            "Send a valid, unrevoked API key as 'Authorization: Bearer <api key>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        var kinds = SecurityExtensions.KindsAllowed(Context.GetEndpoint()?.Metadata ?? []);
        return Write(StatusCodes.Status403Forbidden, "forbidden", "Not allowed",
            "Your organization's kind may not perform this operation" + (kinds.Count > 0 ? $": keys of these kinds only: {string.Join(", ", kinds)}." : "."));
    }

    private Task Write(int status, string code, string title, string detail) => Problems.WriteAsync(Context, status, code, title, detail);
}
