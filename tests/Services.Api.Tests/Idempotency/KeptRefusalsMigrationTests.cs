using Services.Api.Infrastructure;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Idempotency;

/// <summary>Migration 0014 run on the keys a database kept before it: refusals go, answers to changes stay.</summary>
public sealed class KeptRefusalsMigrationTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private const string Organization = "org_keptbeforemigration14x";

    [Fact]
    public async Task Answers_400_and_412_kept_before_the_change_are_forgotten_and_the_others_kept()
    {
        foreach (var (key, status) in new[] { ("invalid", 400), ("stale", 412), ("created", 201), ("refused", 409), ("erased", 204) })
            await api.ExecuteAsync("insert into idempotency_keys (organization_id, key, status) values ($1, $2, $3)", Organization, key, status);

        // As on a database that had not had it yet.
        await api.ExecuteAsync("delete from schema_migrations where component = 'api' and version = 14");
        await SchemaMigration.ApplyAsync(api.Service<EventStore.EventStore>(), CancellationToken.None);

        (await api.CountAsync("select count(*) from idempotency_keys where organization_id = $1 and status in (400, 412)", Organization)).ShouldBe(0);
        (await api.CountAsync("select count(*) from idempotency_keys where organization_id = $1", Organization)).ShouldBe(3);
        (await api.CountAsync("select count(*) from schema_migrations where component = 'api' and version = 14")).ShouldBe(1);
    }
}
