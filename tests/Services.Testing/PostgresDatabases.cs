using System.Collections.Concurrent;
using Npgsql;

namespace Services.Testing;

/// <summary>
/// Real PostgreSQL for tests: a template database is migrated once per test run, and each test
/// class gets a fresh copy of it (CREATE DATABASE … TEMPLATE is a file copy, tens of milliseconds).
/// </summary>
public static class PostgresDatabases
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<string>>> Templates = new();

    public static string ServerConnectionString =>
        Environment.GetEnvironmentVariable("ConnectionStrings__Postgres")
        ?? throw new InvalidOperationException(
            "No PostgreSQL for the tests: run ./ops/test.sh (it starts a private cluster), or set ConnectionStrings__Postgres.");

    /// <summary>Creates a database copied from the template <paramref name="templateKey"/>, migrated once by <paramref name="migrate"/>.</summary>
    public static async Task<string> CreateAsync(string templateKey, Func<string, Task> migrate)
    {
        var template = await Templates.GetOrAdd(templateKey, key => new Lazy<Task<string>>(() => CreateTemplateAsync(key, migrate))).Value;
        var name = $"test_{templateKey}_{Guid.NewGuid():N}";
        await ExecuteOnServerAsync($"create database \"{name}\" template \"{template}\"");
        return ConnectionStringFor(name);
    }

    public static async Task DropAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        NpgsqlConnection.ClearAllPools();
        await ExecuteOnServerAsync($"drop database if exists \"{name}\" with (force)");
    }

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = database, IncludeErrorDetail = true }.ConnectionString;

    private static async Task<string> CreateTemplateAsync(string key, Func<string, Task> migrate)
    {
        // One template per test project and run: a schema change is picked up by the next run.
        var name = $"template_{key}_{Environment.ProcessId}";
        await ExecuteOnServerAsync($"drop database if exists \"{name}\" with (force)");
        await ExecuteOnServerAsync($"create database \"{name}\"");
        var connectionString = ConnectionStringFor(name);
        await migrate(connectionString);
        NpgsqlConnection.ClearAllPools();
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
            ExecuteOnServerAsync($"drop database if exists \"{name}\" with (force)").GetAwaiter().GetResult();
        return name;
    }

    private static async Task ExecuteOnServerAsync(string sql)
    {
        var admin = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
