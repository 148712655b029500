using System.Reflection;
using Npgsql;

namespace Services.EventStore.Migrations;

/// <summary>
/// Applies numbered SQL scripts (<c>0001_name.sql</c>, embedded resources) once each, in order,
/// under a transaction-scoped advisory lock so that nodes starting together never both migrate.
/// Each component (the store, the API's read models) keeps its own numbering.
/// </summary>
public static class SchemaMigrator
{
    private const long LockKey = 0x5e7_71ce5_d8;

    public static async Task ApplyAsync(NpgsqlDataSource dataSource, string component, Assembly assembly, string resourcePrefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(assembly);
        var scripts = assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(resourcePrefix, StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal))
            .Select(name => (Resource: name, File: name[resourcePrefix.Length..]))
            .Select(s => (s.Resource, s.File, Version: int.Parse(s.File.AsSpan(0, s.File.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture)))
            .OrderBy(s => s.Version)
            .ToList();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Execute(connection, $"select pg_advisory_xact_lock({LockKey})", cancellationToken);
        await Execute(connection, """
            create table if not exists schema_migrations (
                component  text        not null,
                version    int         not null,
                name       text        not null,
                applied_at timestamptz not null default now(),
                primary key (component, version))
            """, cancellationToken);

        var applied = new HashSet<int>();
        await using (var query = new NpgsqlCommand("select version from schema_migrations where component = $1", connection))
        {
            query.Parameters.Add(new NpgsqlParameter { Value = component });
            await using var reader = await query.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) applied.Add(reader.GetInt32(0));
        }

        foreach (var script in scripts.Where(s => !applied.Contains(s.Version)))
        {
            await using var stream = assembly.GetManifestResourceStream(script.Resource)!;
            using var text = new StreamReader(stream);
            await Execute(connection, await text.ReadToEndAsync(cancellationToken), cancellationToken);
            await using var record = new NpgsqlCommand("insert into schema_migrations (component, version, name) values ($1, $2, $3)", connection);
            record.Parameters.Add(new NpgsqlParameter { Value = component });
            record.Parameters.Add(new NpgsqlParameter { Value = script.Version });
            record.Parameters.Add(new NpgsqlParameter { Value = script.File });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
