using Npgsql;
using NpgsqlTypes;
using Services.Api.Common;

namespace Services.Api.Security;

/// <summary>Rows of api_keys, written in the same transaction as the key's events.</summary>
public static class ApiKeyRows
{
    public static NpgsqlBatchCommand Insert(string keyId, string organizationId, string organizationKind, byte[] secretHash, string label, ApiKeyAccess access, DateTimeOffset? expiresAt)
    {
        var command = new NpgsqlBatchCommand("insert into api_keys (key_id, organization_id, organization_kind, secret_hash, label, access, expires_at) values ($1, $2, $3, $4, $5, $6, $7)");
        command.Parameters.Add(new NpgsqlParameter { Value = keyId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = organizationId, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = organizationKind, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = secretHash, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = label, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = WireName.Of(access), NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = expiresAt is { } at ? at : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        return command;
    }

    /// <summary>The access an api_keys row holds, as <see cref="Insert"/> wrote it (rows from before access existed hold full).</summary>
    public static ApiKeyAccess AccessOf(string stored) => Enum.Parse<ApiKeyAccess>(stored, ignoreCase: true);

    /// <summary>Also tells every node, at commit, to drop the key from its cache (<see cref="ApiKeyRevocationListener"/>).</summary>
    public static NpgsqlBatchCommand Revoke(string keyId)
    {
        var command = new NpgsqlBatchCommand($"""
            with revoked as (update api_keys set revoked_at = now() where key_id = $1 and revoked_at is null returning key_id)
            select pg_notify('{ApiKeyRevocationListener.Channel}', key_id) from revoked
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = keyId, NpgsqlDbType = NpgsqlDbType.Text });
        return command;
    }
}
