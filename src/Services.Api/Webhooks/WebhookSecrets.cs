using Npgsql;
using Services.Api.Security;

namespace Services.Api.Webhooks;

/// <summary>
/// Webhook signing secrets at rest: wrapped by the <see cref="MasterKey"/> and bound to their webhook
/// id (a wrapped secret copied to another row does not open), unwrapped only to sign a delivery.
/// </summary>
public static class WebhookSecrets
{
    public static byte[] Seal(MasterKey masterKey, string webhookId, string secret)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        return masterKey.WrapText(secret, Context(webhookId));
    }

    public static string Open(MasterKey masterKey, string webhookId, byte[] sealedSecret)
    {
        ArgumentNullException.ThrowIfNull(masterKey);
        return masterKey.UnwrapText(sealedSecret, Context(webhookId));
    }

    /// <summary>Wraps the secrets a version before 0006_personal_data stored in clear, and clears them.</summary>
    public static async Task SealClearSecretsAsync(NpgsqlDataSource db, MasterKey masterKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var clear = new List<(string Id, string Secret)>();
        await using (var select = db.CreateCommand("select webhook_id, secret from webhooks where secret is not null"))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) clear.Add((reader.GetString(0), reader.GetString(1)));
        }
        foreach (var (id, secret) in clear)
        {
            await using var update = db.CreateCommand("update webhooks set sealed_secret = $2, secret = null where webhook_id = $1 and secret is not null");
            update.Parameters.Add(new NpgsqlParameter { Value = id });
            update.Parameters.Add(new NpgsqlParameter { Value = Seal(masterKey, id, secret) });
            await update.ExecuteNonQueryAsync(cancellationToken);
        }
    }

    public static readonly WrappedSecrets Current = new(
        "webhook signing secrets",
        $"select array[webhook_id], '{ContextPrefix}' || webhook_id, sealed_secret from webhooks where webhook_id > $1[1] and deleted_at is null and sealed_secret is not null order by webhook_id limit $2",
        "update webhooks set sealed_secret = $3 where webhook_id = $1[1] and sealed_secret = $2");

    /// <summary>Those a rotation replaced, while they still sign: once they stop, nothing opens them again.</summary>
    public static readonly WrappedSecrets Previous = new(
        "previous webhook signing secrets",
        $"""
        select array[webhook_id], '{ContextPrefix}' || webhook_id, previous_sealed_secret from webhooks
        where webhook_id > $1[1] and deleted_at is null and previous_sealed_secret is not null and previous_secret_until > now() order by webhook_id limit $2
        """,
        "update webhooks set previous_sealed_secret = $3 where webhook_id = $1[1] and previous_sealed_secret = $2");

    private const string ContextPrefix = "webhook:";

    private static string Context(string webhookId) => ContextPrefix + webhookId;
}
