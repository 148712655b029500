using Npgsql;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.EventStore;

namespace Services.Api.Webhooks;

/// <summary>A change to a webhook's row (or one of its deliveries'), made with the request's Idempotency-Key reservation when it changes the row, and only then.</summary>
internal static class WebhookChange
{
    /// <summary>
    /// Runs <paramref name="update"/> (an UPDATE … RETURNING, or an INSERT … SELECT … RETURNING, with <paramref name="parameters"/> as $1, $2 …) and reads its row; when it returns none (the webhook was
    /// deleted or edited since it was read, or there is no such delivery), rolls back, so that the key stays free for a retry, and answers null.
    /// </summary>
    public static async Task<T?> RunAsync<T>(
        NpgsqlDataSource db, EventMetadata metadata, string update, object?[] parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(read);
        await using var connection = await db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(update, connection, transaction);
        command.Parameters.AddValues(parameters);
        T? changed = null;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken)) changed = read(reader);
        }
        if (changed is null)
        {
            await transaction.RollbackAsync(cancellationToken);
            return null;
        }
        await using var reservations = new NpgsqlBatch(connection, transaction);
        foreach (var reservation in Idempotency.Reserve(metadata)) reservations.BatchCommands.Add(reservation);
        if (reservations.BatchCommands.Count > 0) await reservations.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return changed;
    }
}
