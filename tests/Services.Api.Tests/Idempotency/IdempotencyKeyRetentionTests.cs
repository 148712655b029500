using System.Net;
using System.Text;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Idempotency;

public sealed class IdempotencyKeyRetentionTests(ApiFixture api) : IClassFixture<ApiFixture>, IAsyncLifetime
{
    /// <summary>The tests record needs in grand-figeac, which must have a club or a partner, whatever test runs first.</summary>
    public Task InitializeAsync() => api.CoverTerritoryAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Need = """{"category":"childcare","territory":"grand-figeac","headcount":2,"description":"Evening childcare"}""";

    [Fact]
    public async Task Keys_past_the_retention_are_deleted_and_younger_ones_still_replay()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var (old, young) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        (await PostNeedAsync(company, old)).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await PostNeedAsync(company, young)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var retention = api.Service<IdempotencyKeyRetention>();
        await BackdateAsync(old, retention.Retention + TimeSpan.FromHours(1));
        await BackdateAsync(young, retention.Retention - TimeSpan.FromHours(1));

        var deleted = await retention.PurgeOnceAsync(CancellationToken.None);

        deleted.ShouldBeGreaterThanOrEqualTo(1);
        (await KeyExistsAsync(old)).ShouldBeFalse();
        (await KeyExistsAsync(young)).ShouldBeTrue();
        var replay = await PostNeedAsync(company, young);
        replay.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        // A key past its retention is a new request, as the API documents.
        var again = await PostNeedAsync(company, old);
        again.StatusCode.ShouldBe(HttpStatusCode.Created);
        again.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
    }

    [Fact]
    public async Task More_old_keys_than_one_batch_are_all_deleted()
    {
        const int count = 2 * IdempotencyKeyRetention.BatchSize + 500;
        await using (var insert = api.Service<NpgsqlDataSource>().CreateCommand("""
            insert into idempotency_keys (organization_id, key, created_at)
            select 'org_retention_batch', 'key-' || g, now() - $2 from generate_series(1, $1) g
            """))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = count });
            insert.Parameters.Add(new NpgsqlParameter { Value = api.Service<IdempotencyKeyRetention>().Retention + TimeSpan.FromDays(1) });
            await insert.ExecuteNonQueryAsync();
        }

        await api.Service<IdempotencyKeyRetention>().PurgeOnceAsync(CancellationToken.None);

        await using var left = api.Service<NpgsqlDataSource>().CreateCommand("select count(*) from idempotency_keys where organization_id = 'org_retention_batch'");
        ((long)(await left.ExecuteScalarAsync())!).ShouldBe(0);
    }

    private static Task<HttpResponseMessage> PostNeedAsync(Actor company, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/needs") { Content = new StringContent(Need, Encoding.UTF8, "application/json") };
        request.Headers.Add("Idempotency-Key", key);
        return company.Client.SendAsync(request);
    }

    private async Task BackdateAsync(string key, TimeSpan age)
    {
        await using var command = api.Service<NpgsqlDataSource>().CreateCommand("update idempotency_keys set created_at = now() - $2 where key = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        command.Parameters.Add(new NpgsqlParameter { Value = age });
        (await command.ExecuteNonQueryAsync()).ShouldBe(1);
    }

    private async Task<bool> KeyExistsAsync(string key)
    {
        await using var command = api.Service<NpgsqlDataSource>().CreateCommand("select exists (select 1 from idempotency_keys where key = $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
