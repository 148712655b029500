using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;

namespace Services.Api.Security;

public sealed class ApiKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>Bootstraps everything: acts as the platform operator. From <c>Auth:OperatorKey</c>.</summary>
    public string? OperatorKey { get; set; }
}

/// <summary>Bearer API keys: the operator key from configuration, or an organization's key from the database (through <see cref="ApiKeyCache"/>).</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<ApiKeyAuthenticationOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    NpgsqlDataSource dataSource,
    ApiKeyCache keys,
    IProblemDetailsService problems)
    : AuthenticationHandler<ApiKeyAuthenticationOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(header)) return AuthenticateResult.NoResult();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.Fail("Use 'Authorization: Bearer <api key>'.");
        var token = header["Bearer ".Length..].Trim();

        if (Options.OperatorKey is { Length: > 0 } operatorKey
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(ApiKeySecrets.Hash(token), ApiKeySecrets.Hash(operatorKey)))
        {
            return Success(new Caller(Caller.OperatorId, OrganizationKind.Operator), "operator");
        }
        if (!ApiKeySecrets.TryParse(token, out var keyId, out var secret)) return AuthenticateResult.Fail("Unknown API key.");

        var key = keys.TryGet(keyId, out var kept) ? kept : await FindAsync(keyId, secret);
        if (key is null || !ApiKeySecrets.Matches(key.SecretHash, secret)) return AuthenticateResult.Fail("Unknown or revoked API key.");
        return Success(key.Caller, keyId);
    }

    /// <summary>The unrevoked key from the database, kept in the cache when the secret matches (unknown keys are not kept).</summary>
    private async Task<VerifiedKey?> FindAsync(string keyId, string secret)
    {
        var generation = keys.Generation;
        await using var command = dataSource.CreateCommand("select organization_id, organization_kind, secret_hash from api_keys where key_id = $1 and revoked_at is null");
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        await using var reader = await command.ExecuteReaderAsync(Context.RequestAborted);
        if (!await reader.ReadAsync(Context.RequestAborted)) return null;
        var key = new VerifiedKey(new Caller(reader.GetString(0), Enum.Parse<OrganizationKind>(reader.GetString(1))), reader.GetFieldValue<byte[]>(2));
        if (ApiKeySecrets.Matches(key.SecretHash, secret)) keys.Keep(keyId, key, generation);
        return key;
    }

    private AuthenticateResult Success(Caller caller, string keyId) =>
        AuthenticateResult.Success(new AuthenticationTicket(caller.ToPrincipal(Scheme.Name, keyId), Scheme.Name));

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Bearer";
        return Write(StatusCodes.Status401Unauthorized, "unauthorized", "Authentication required",
            "Send a valid, unrevoked API key as 'Authorization: Bearer <api key>'.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Write(StatusCodes.Status403Forbidden, "forbidden", "Not allowed", "Your organization's kind may not perform this operation.");

    private Task Write(int status, string code, string title, string detail)
    {
        Response.StatusCode = status;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Type = Problems.TypeBase + code, Title = title, Detail = detail },
        }).AsTask();
    }
}
