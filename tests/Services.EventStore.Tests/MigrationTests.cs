using System.Reflection;
using Npgsql;
using Services.EventStore.Migrations;
using Services.Testing;
using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task Two_stores_migrating_an_empty_database_at_once_both_succeed_and_apply_the_schema_once()
    {
        var database = $"test_migrate_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(PostgresDatabases.ConnectionStringFor("postgres")))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"create database \"{database}\"", admin);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = PostgresDatabases.ConnectionStringFor(database);
        try
        {
            await using var sourceA = EventStoreDataSource.Create(connectionString, "node-a");
            await using var sourceB = EventStoreDataSource.Create(connectionString, "node-b");
            await using var storeA = new EventStore(sourceA, StoreFixture.NewRegistry());
            await using var storeB = new EventStore(sourceB, StoreFixture.NewRegistry());

            // Take the migration lock first, so that both nodes are surely migrating at the same time.
            var lockKey = (long)typeof(SchemaMigrator).GetField("LockKey", BindingFlags.NonPublic | BindingFlags.Static)!.GetRawConstantValue()!;
            Task migrateA, migrateB;
            await using (var holder = await sourceA.OpenConnectionAsync())
            await using (var transaction = await holder.BeginTransactionAsync())
            {
                await using (var take = new NpgsqlCommand($"select pg_advisory_xact_lock({lockKey})", holder, transaction))
                {
                    await take.ExecuteNonQueryAsync();
                }
                migrateA = Task.Run(() => storeA.MigrateAsync());
                migrateB = Task.Run(() => storeB.MigrateAsync());
                await Eventually.WaitUntilAsync(async () => await Sql.LockWaitersAsync(sourceA) == 2, "both nodes wait for the migration lock");
                await transaction.CommitAsync();
            }
            await Task.WhenAll(migrateA, migrateB);

            var migrations = typeof(EventStore).Assembly.GetManifestResourceNames().Count(name => name.StartsWith("Services.EventStore.Migrations.", StringComparison.Ordinal) && name.EndsWith(".sql", StringComparison.Ordinal));
            migrations.ShouldBeGreaterThanOrEqualTo(3);
            (await Sql.CountAsync(sourceA, "select count(*) from schema_migrations where component = 'event-store'")).ShouldBe(migrations);
            (await Sql.CountAsync(sourceA, "select count(distinct version) from schema_migrations where component = 'event-store'")).ShouldBe(migrations);
            (await Sql.CountAsync(sourceA, "select count(*) from pg_proc where proname = 'es_append'")).ShouldBe(1);
            await storeA.MigrateAsync(); // a restart is a no-op
            (await Sql.CountAsync(sourceA, "select count(*) from schema_migrations")).ShouldBe(migrations);
            var stream = $"migrated-{Guid.NewGuid():N}";
            await storeA.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Happened("works")]);
            (await storeB.ReadStreamAsync(stream)).Single().Data.ShouldBe(new Happened("works"));
        }
        finally
        {
            await PostgresDatabases.DropAsync(connectionString);
        }
    }
}
