using Npgsql;
using Services.Api.Beneficiaries;
using Services.Api.Infrastructure;
using Services.Api.Webhooks;

namespace Services.Api.Security;

/// <summary>
/// One column of secrets wrapped by the <see cref="MasterKey"/>, as <see cref="SecretsRewrap"/> goes through it.
/// </summary>
/// <param name="Name">What its secrets are, for the log.</param>
/// <param name="SelectPage">Rows after the cursor <c>$1</c> (a text[], empty strings to start) in key order, <c>$2</c> at most: the row's cursor, the secret's context, the wrapped secret.</param>
/// <param name="Update">Writes <c>$3</c> into the row at cursor <c>$1</c> if it still holds <c>$2</c>; a secret changed meanwhile is left to the next pass.</param>
public sealed record WrappedSecrets(string Name, string SelectPage, string Update);

/// <summary>
/// While <c>Secrets:PreviousMasterKeys</c> is set, wraps again under the current master key every
/// secret at rest that a previous key wrapped, once, after the schema is migrated; what the current key
/// opens is left as it is (so a node given the next key as a previous one, before any node wraps under
/// it, changes nothing: the README's rotation in three restarts). Each secret is
/// written with a compare-and-set on its old value: nodes starting together do the same work without
/// undoing each other's, a secret changed meanwhile is looked at again, and a pass stopped midway
/// (a crash) leaves the rest readable with the previous keys, for the next start to finish.
/// </summary>
public sealed class SecretsRewrap(NpgsqlDataSource db, MasterKey masterKey, SchemaReadiness readiness, ILogger<SecretsRewrap> logger) : BackgroundService
{
    private const int PageSize = 500;

    private static readonly WrappedSecrets[] Columns = [ContactVault.WrappedKeys, WebhookSecrets.Current, WebhookSecrets.Previous, .. Idempotency.SealedAnswers];

    /// <param name="Rewrapped">Secrets now wrapped under the current key that a previous key wrapped.</param>
    /// <param name="Unopened">Secrets no configured key opens: unreadable until the key they were wrapped under is configured again.</param>
    public sealed record Outcome(int Rewrapped, int Unopened);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!masterKey.HasPreviousKeys) return;
        await readiness.Migrated.WaitAsync(stoppingToken);
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the next start goes on with what is left.
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            logger.LogError(ex, "Re-wrapping secrets at rest under {Setting} stopped; the next start goes on with what is left, and keeps {Previous} needed until then",
                MasterKey.ConfigurationKey, MasterKey.PreviousConfigurationKey);
        }
    }

    /// <summary>Passes over every column until one pass finds no secret under a previous key left behind by a concurrent change.</summary>
    public async Task<Outcome> RunAsync(CancellationToken cancellationToken)
    {
        var total = new Outcome(0, 0);
        bool changedMeanwhile;
        do
        {
            changedMeanwhile = false;
            var unopened = 0;
            foreach (var column in Columns)
            {
                var (rewrapped, notOpened, missed) = await RewrapAsync(column, cancellationToken);
                if (rewrapped > 0) logger.LogInformation("Re-wrapped {Count} {Secrets} under {Setting}", rewrapped, column.Name, MasterKey.ConfigurationKey);
                (total, unopened, changedMeanwhile) = (total with { Rewrapped = total.Rewrapped + rewrapped }, unopened + notOpened, changedMeanwhile || missed);
            }
            total = total with { Unopened = unopened };
        }
        while (changedMeanwhile);
        if (total.Unopened > 0)
        {
            logger.LogError("{Count} secrets at rest open with neither {Setting} nor {Previous}: they stay unreadable until the key they were wrapped under is added to {Previous}",
                total.Unopened, MasterKey.ConfigurationKey, MasterKey.PreviousConfigurationKey, MasterKey.PreviousConfigurationKey);
        }
        logger.LogInformation("All secrets at rest that {Previous} opens are wrapped under {Setting} ({Count} re-wrapped): if every node already ran with this {Setting} when this start began, {Previous} can be removed",
            MasterKey.PreviousConfigurationKey, MasterKey.ConfigurationKey, total.Rewrapped, MasterKey.ConfigurationKey, MasterKey.PreviousConfigurationKey);
        return total;
    }

    private async Task<(int Rewrapped, int Unopened, bool ChangedMeanwhile)> RewrapAsync(WrappedSecrets column, CancellationToken cancellationToken)
    {
        var (rewrapped, unopened, changedMeanwhile) = (0, 0, false);
        string[] cursor = ["", ""];
        while (true)
        {
            var page = new List<(string[] Cursor, string Context, byte[] Wrapped)>();
            await using (var select = db.CreateCommand(column.SelectPage))
            {
                select.Parameters.Add(new NpgsqlParameter { Value = cursor });
                select.Parameters.Add(new NpgsqlParameter { Value = PageSize });
                await using var reader = await select.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken)) page.Add((reader.GetFieldValue<string[]>(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
            }
            foreach (var (row, context, wrapped) in page)
            {
                byte[]? again;
                try
                {
                    again = masterKey.Rewrapped(wrapped, context);
                }
                catch (SecretKeyUnavailableException)
                {
                    unopened++;
                    continue;
                }
                if (again is null) continue;
                await using var update = db.CreateCommand(column.Update);
                update.Parameters.Add(new NpgsqlParameter { Value = row });
                update.Parameters.Add(new NpgsqlParameter { Value = wrapped });
                update.Parameters.Add(new NpgsqlParameter { Value = again });
                if (await update.ExecuteNonQueryAsync(cancellationToken) == 1) rewrapped++;
                else changedMeanwhile = true;
            }
            if (page.Count < PageSize) return (rewrapped, unopened, changedMeanwhile);
            cursor = page[^1].Cursor;
        }
    }
}
