using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Demand;
using Services.Api.Feed;
using Services.Api.Organizations;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.ReadModels;

/// <summary>
/// Every read that takes <c>minPosition</c> waits for its own read model: held behind the write, it
/// answers 503 read_model_lagging, never what it had before the write; the reads of other read
/// models answer at once; let go, every read answers.
/// </summary>
public sealed class ReadYourWritesTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly (string Path, string Shard)[] Reads =
    [
        ("/v1/offers", CatalogReadModels.CatalogShard),
        ("/v1/offers/{offer}/availability", CatalogReadModels.CatalogShard),
        ("/v1/bookings", CatalogReadModels.BookingListShard),
        ("/v1/subscriptions", CatalogReadModels.SubscriptionListShard),
        ("/v1/needs", CatalogReadModels.NeedListShard),
        ("/v1/demand", InsightsProjection.ShardName),
        ("/v1/indicators?territory=grand-figeac&month=2026-03", InsightsProjection.ShardName),
        ("/v1/companies/{company}/usage?month=2026-03", InsightsProjection.ShardName),
        ("/v1/clubs/{club}/usage?month=2026-03", InsightsProjection.ShardName),
        ("/v1/partners/{partner}/usage?month=2026-03", InsightsProjection.ShardName),
        ("/v1/territories", InsightsProjection.ShardName),
        ("/v1/events", FeedRegistration.FeedShard),
    ];

    /// <summary>
    /// Each shard's tables (LIKE patterns). All of them are locked: a page blocked after a first write
    /// would hold a transaction id, and every shard reads the events below the oldest one running.
    /// </summary>
    public static TheoryData<string, string[]> Shards => new()
    {
        { CatalogReadModels.CatalogShard, ["rm\\_catalog\\_%"] },
        { CatalogReadModels.BookingListShard, ["rm\\_bookings", "rm\\_booking\\_offers"] },
        { CatalogReadModels.SubscriptionListShard, ["rm\\_subscription%"] },
        { CatalogReadModels.NeedListShard, ["rm\\_needs"] },
        { InsightsProjection.ShardName, ["rm\\_insights\\_%"] },
        { FeedRegistration.FeedShard, ["rm\\_feed%"] },
    };

    [Theory]
    [MemberData(nameof(Shards))]
    public async Task A_read_waits_for_its_own_read_model_to_include_the_write_it_names(string held, string[] tables)
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id);
        var slot = await api.ScheduleSlotAsync(club, offer.Id);
        var partner = await api.RegisterAsync(OrganizationKind.Partner);
        // The need below is recorded at once only if the read model already shows grand-figeac's club (its rule waits for it else).
        await api.CaughtUpAsync(InsightsProjection.ShardName);
        string position;
        Task<HttpResponseMessage> ReadAsync(string path)
        {
            var read = path.Replace("{offer}", offer.Id, StringComparison.Ordinal).Replace("{company}", company.Id, StringComparison.Ordinal)
                .Replace("{club}", club.Id, StringComparison.Ordinal).Replace("{partner}", partner.Id, StringComparison.Ordinal);
            return api.Operator.GetAsync($"{read}{(read.Contains('?', StringComparison.Ordinal) ? '&' : '?')}minPosition={position}");
        }

        await using (var connection = new NpgsqlConnection(api.ConnectionString))
        {
            // Reads pass the lock; the shard's writes wait for it, and its checkpoint with them.
            await connection.OpenAsync();
            await using var holding = await connection.BeginTransactionAsync();
            string names;
            await using (var find = new NpgsqlCommand("select string_agg(quote_ident(tablename), ', ') from pg_tables where schemaname = current_schema() and tablename like any($1)", connection, holding))
            {
                find.Parameters.Add(new NpgsqlParameter { Value = tables });
                names = (string)(await find.ExecuteScalarAsync())!;
            }
            await using (var hold = new NpgsqlCommand($"lock table {names} in exclusive mode", connection, holding)) await hold.ExecuteNonQueryAsync();
            (await company.PostBookingAsync(subscription.Id, slot.Id)).StatusCode.ShouldBe(HttpStatusCode.Created);
            var need = await company.Client.PostAsJsonAsync("/v1/needs", NeedsHelpers.NeedRequest(), ApiFixture.JsonOptions);
            need.StatusCode.ShouldBe(HttpStatusCode.Created, await need.Content.ReadAsStringAsync());
            position = need.Position();

            var answers = await Task.WhenAll(Reads.Select(async read => (read.Path, read.Shard, Answer: await ReadAsync(read.Path))));
            foreach (var (path, shard, answer) in answers)
                answer.StatusCode.ShouldBe(shard == held ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, $"{path} while {held} is held");
            await answers.First(read => read.Shard == held).Answer.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "read_model_lagging");
            await holding.RollbackAsync();
        }

        foreach (var (path, _) in Reads.Where(read => read.Shard == held))
        {
            var answered = await ReadAsync(path);
            answered.StatusCode.ShouldBe(HttpStatusCode.OK, $"{path}: {await answered.Content.ReadAsStringAsync()}");
        }
    }
}
