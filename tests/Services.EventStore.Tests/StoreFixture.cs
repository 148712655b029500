using System.Text.Json;
using Npgsql;
using Services.Testing;

namespace Services.EventStore.Tests;

/// <summary>A fresh, migrated database and a store on it, per test class.</summary>
public sealed class StoreFixture : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = "";
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public EventStore Store { get; private set; } = null!;

    public static EventTypeRegistry NewRegistry() =>
        new EventTypeRegistry(new JsonSerializerOptions(JsonSerializerDefaults.Web))
            .Register<TestEvents.Happened>("happened")
            .Register<TestEvents.Counted>("counted");

    public async Task InitializeAsync()
    {
        ConnectionString = await PostgresDatabases.CreateAsync("store", async cs =>
        {
            await using var source = EventStoreDataSource.Create(cs);
            await using var store = new EventStore(source, NewRegistry());
            await store.MigrateAsync();
        });
        DataSource = EventStoreDataSource.Create(ConnectionString);
        Store = new EventStore(DataSource, NewRegistry());
    }

    public async Task DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
        await PostgresDatabases.DropAsync(ConnectionString);
    }
}

public static class TestEvents
{
    public sealed record Happened(string What);

    public sealed record Counted(int Number);
}
