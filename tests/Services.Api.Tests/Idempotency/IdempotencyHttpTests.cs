using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;
using Services.Api.Tests.Http;
using Services.EventStore;

namespace Services.Api.Tests.Idempotency;

public sealed class IdempotencyHttpTests(ApiFixture api) : IClassFixture<ApiFixture>, IAsyncLifetime
{
    /// <summary>The tests record needs in grand-figeac, which must have a club or a partner, whatever test runs first.</summary>
    public Task InitializeAsync() => api.CoverTerritoryAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Need = """{"category":"childcare","territory":"grand-figeac","headcount":3,"description":"Saturday childcare"}""";

    [Fact]
    public async Task A_retry_with_the_same_key_and_body_replays_the_first_answer_and_writes_nothing_twice()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();

        var first = await PostNeedAsync(company, key, Need);
        var retry = await PostNeedAsync(company, key, Need);

        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        retry.StatusCode.ShouldBe(HttpStatusCode.Created);
        (await retry.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        retry.Headers.ETag.ShouldBe(first.Headers.ETag);
        retry.Headers.Location.ShouldBe(first.Headers.Location);
        retry.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await EventsWrittenWithAsync(key)).ShouldBe(1);
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_refused()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();
        await PostNeedAsync(company, key, Need);

        var other = await PostNeedAsync(company, key, Need.Replace("\"headcount\":3", "\"headcount\":4", StringComparison.Ordinal));

        await other.ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_key_reused");
        (await EventsWrittenWithAsync(key)).ShouldBe(1);
    }

    [Fact]
    public async Task Keys_belong_to_one_organization()
    {
        var first = await api.RegisterAsync(OrganizationKind.Company);
        var second = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();

        (await PostNeedAsync(first, key, Need)).StatusCode.ShouldBe(HttpStatusCode.Created);
        var theirs = await PostNeedAsync(second, key, Need);

        theirs.StatusCode.ShouldBe(HttpStatusCode.Created);
        theirs.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await EventsWrittenWithAsync(key)).ShouldBe(2);
    }

    [Fact]
    public async Task When_the_answer_was_lost_in_a_crash_after_the_commit_a_retry_writes_nothing_twice()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();
        await PostNeedAsync(company, key, Need);
        // What a crash between the commit and storing the answer leaves: the key reserved with the events, no answer.
        await api.ExecuteAsync("update idempotency_keys set status = null, body = null, request_hash = null where key = $1", key);

        var retry = await PostNeedAsync(company, key, Need);

        await retry.ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_key_in_progress");
        retry.Headers.RetryAfter.ShouldNotBeNull();
        // A minute on, no answer will come: the retry is told so, and not to wait.
        await api.ExecuteAsync("update idempotency_keys set created_at = created_at - interval '61 seconds' where key = $1", key);
        var later = await PostNeedAsync(company, key, Need);
        await later.ShouldBeProblemAsync(HttpStatusCode.Conflict, "idempotency_key_interrupted");
        later.Headers.RetryAfter.ShouldBeNull();
        (await EventsWrittenWithAsync(key)).ShouldBe(1);
    }

    [Fact]
    public async Task A_retry_whose_kept_answer_no_configured_master_key_opens_waits_for_the_key_with_503_and_then_gets_the_first_answer()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();
        var first = await PostNeedAsync(company, key, Need);
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        // A node whose master key was changed without the old one kept as a previous key.
        await using var changed = api.Factory.WithWebHostBuilder(web =>
            web.UseSetting(MasterKey.ConfigurationKey, Convert.ToBase64String(RandomNumberGenerator.GetBytes(SecretBox.KeySize))));
        var client = changed.CreateClient();
        client.DefaultRequestHeaders.Authorization = company.Client.DefaultRequestHeaders.Authorization;

        var unopened = await PostNeedAsync(company with { Client = client }, key, Need);

        await unopened.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, SecretKeyUnavailableException.Code);
        unopened.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(60));
        // The key configured again, the same retry gets the first answer: nothing was done twice.
        var restored = await PostNeedAsync(company, key, Need);
        restored.StatusCode.ShouldBe(HttpStatusCode.Created);
        restored.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await restored.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
        (await EventsWrittenWithAsync(key)).ShouldBe(1);
    }

    [Fact]
    public async Task A_retry_whose_first_request_commits_the_key_while_it_runs_is_told_in_progress_with_retry_after()
    {
        var handler = api.Services.GetServices<IExceptionHandler>().OfType<ProblemExceptionHandler>().Single();
        var http = new DefaultHttpContext { RequestServices = api.Services };
        var answer = new MemoryStream();
        http.Response.Body = answer;
        // What the reservation's insert meets when the first request's transaction took the key first.
        var taken = new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation, constraintName: Services.Api.Infrastructure.Idempotency.ReservationConstraint);

        (await handler.TryHandleAsync(http, taken, CancellationToken.None)).ShouldBeTrue();

        http.Response.StatusCode.ShouldBe(StatusCodes.Status409Conflict);
        Encoding.UTF8.GetString(answer.ToArray()).ShouldContain("idempotency_key_in_progress");
        http.Response.Headers.RetryAfter.ToString().ShouldBe("1");
    }

    [Fact]
    public async Task A_client_that_leaves_before_its_answer_gets_that_answer_on_retry()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();
        using var leaves = new CancellationTokenSource();
        var http = new DefaultHttpContext { RequestAborted = leaves.Token, User = new Caller(company.Id, OrganizationKind.Company, ApiKeyAccess.Full).ToPrincipal("test", "key") };
        http.Request.Method = "POST";
        http.Request.Path = "/v1/needs";
        http.Request.Headers[Services.Api.Infrastructure.Idempotency.Header] = key;
        http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(Need));
        http.Response.Body = new MemoryStream();

        // The request's changes commit with the key's reservation, then the client goes away.
        async Task CommitThenLeaveAsync(HttpContext context)
        {
            await using var batch = api.Service<NpgsqlDataSource>().CreateBatch();
            foreach (var command in Services.Api.Infrastructure.Idempotency.Reserve(new EventMetadata { ActorOrganizationId = company.Id, IdempotencyKey = key, CorrelationId = context.TraceIdentifier }))
                batch.BatchCommands.Add(command);
            await batch.ExecuteNonQueryAsync();
            context.Response.StatusCode = StatusCodes.Status201Created;
            await context.Response.WriteAsync("""{"id":"ned_first"}""");
            await leaves.CancelAsync();
        }
        try
        {
            await api.Service<Services.Api.Infrastructure.Idempotency>().InvokeAsync(http, CommitThenLeaveAsync);
        }
        catch (OperationCanceledException)
        {
            // Writing the answer to a client that has left.
        }

        var retry = await PostNeedAsync(company, key, Need);

        retry.StatusCode.ShouldBe(HttpStatusCode.Created);
        retry.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await retry.Content.ReadAsStringAsync()).ShouldBe("""{"id":"ned_first"}""");
    }

    [Fact]
    public async Task A_retry_that_ran_alongside_the_first_request_and_wrote_nothing_answers_in_progress_and_leaves_the_key_to_it()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();
        var http = new DefaultHttpContext { User = new Caller(company.Id, OrganizationKind.Company, ApiKeyAccess.Full).ToPrincipal("test", "key"), RequestServices = api.Services };
        http.Request.Method = "POST";
        http.Request.Path = "/v1/needs";
        http.Request.Headers[Services.Api.Infrastructure.Idempotency.Header] = key;
        http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(Need));
        var answer = new MemoryStream();
        http.Response.Body = answer;

        // The retry passed the key's lookup before the first request committed; that one commits
        // its changes with the key's reservation meanwhile, and the retry, finding them made, writes nothing.
        async Task FirstCommitsMeanwhileAsync(HttpContext context)
        {
            await using var batch = api.Service<NpgsqlDataSource>().CreateBatch();
            foreach (var command in Services.Api.Infrastructure.Idempotency.Reserve(new EventMetadata { ActorOrganizationId = company.Id, IdempotencyKey = key, CorrelationId = "the-first-request" }))
                batch.BatchCommands.Add(command);
            await batch.ExecuteNonQueryAsync();
            context.Response.StatusCode = StatusCodes.Status409Conflict;
            await context.Response.WriteAsync("""{"type":"…/need_already_recorded"}""");
        }
        await api.Service<Services.Api.Infrastructure.Idempotency>().InvokeAsync(http, FirstCommitsMeanwhileAsync);

        http.Response.StatusCode.ShouldBe(StatusCodes.Status409Conflict);
        Encoding.UTF8.GetString(answer.ToArray()).ShouldContain("idempotency_key_in_progress");
        http.Response.Headers.RetryAfter.ToString().ShouldBe("1");
        (await api.CountAsync("select count(*) from idempotency_keys where key = $1 and status is null and request_id = 'the-first-request'", key)).ShouldBe(1);
    }

    [Fact]
    public async Task An_answer_kept_for_retries_never_rests_in_clear_yet_is_replayed_whole()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();
        HttpRequestMessage IssueKey()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/organizations/{company.Id}/api-keys") { Content = new StringContent("""{"label":"intranet"}""", Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", key);
            return request;
        }

        var first = await company.Client.SendAsync(IssueKey());
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var token = JsonDocument.Parse(await first.Content.ReadAsStringAsync()).RootElement.GetProperty("key").GetString()!;

        // The token works, so it must not be readable from the table (nor from its backups).
        (await api.CountAsync("select count(*) from idempotency_keys where key = $1 and position(convert_to($2, 'UTF8') in body) > 0", key, token)).ShouldBe(0);
        (await api.CountAsync("select count(*) from idempotency_keys where key = $1 and body is not null", key)).ShouldBe(1);
        var replay = await company.Client.SendAsync(IssueKey());
        replay.StatusCode.ShouldBe(HttpStatusCode.Created);
        replay.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await replay.Content.ReadAsStringAsync()).ShouldBe(await first.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Simultaneous_requests_with_one_key_write_once_and_never_fail_with_5xx()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => PostNeedAsync(company, key, Need)));

        answers.ShouldAllBe(a => a.StatusCode == HttpStatusCode.Created || a.StatusCode == HttpStatusCode.Conflict);
        answers.Count(a => a.StatusCode == HttpStatusCode.Created).ShouldBeGreaterThanOrEqualTo(1);
        (await EventsWrittenWithAsync(key)).ShouldBe(1);
        var ids = new HashSet<string>();
        foreach (var created in answers.Where(a => a.StatusCode == HttpStatusCode.Created))
            ids.Add(JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        ids.Count.ShouldBe(1);
    }

    [Fact]
    public async Task Simultaneous_webhook_creations_with_one_key_make_one_webhook()
    {
        // A webhook is a row, not events: its key must be reserved with that row all the same.
        var company = await api.RegisterAsync(OrganizationKind.Company);
        const string webhook = """{"url":"https://hooks.example/in","eventTypes":["booking.confirmed"]}""";
        var keys = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid().ToString()).ToList();

        var answers = await Task.WhenAll(keys.SelectMany(key => Enumerable.Range(0, 4).Select(_ => PostAsync(company, "/v1/webhooks", key, webhook))));

        foreach (var answer in answers)
            answer.StatusCode.ShouldBeOneOf([HttpStatusCode.Created, HttpStatusCode.Conflict], await answer.Content.ReadAsStringAsync());
        (await api.CountAsync("select count(*) from webhooks where organization_id = $1", company.Id)).ShouldBe(keys.Count);
        var ids = new HashSet<string>();
        foreach (var created in answers.Where(a => a.StatusCode == HttpStatusCode.Created))
            ids.Add(JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!);
        ids.Count.ShouldBe(keys.Count);
    }

    [Fact]
    public async Task A_refused_request_is_replayed_as_refused()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();

        var first = await PostAsync(company, "/v1/needs/ned_aaaaaaaaaaaaaaaaaaaaaaaa/withdraw", key, "");
        var retry = await PostAsync(company, "/v1/needs/ned_aaaaaaaaaaaaaaaaaaaaaaaa/withdraw", key, "");

        first.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        retry.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        retry.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
    }

    [Fact]
    public async Task A_refusal_given_before_the_change_ran_is_not_kept_so_that_the_corrected_retry_runs()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);
        var offer = await api.PublishOfferAsync(club);
        var company = await api.RegisterMemberAsync(club);
        var subscription = await api.SubscribeAsync(company, offer.Id, monthlyQuota: 10);
        var key = Guid.NewGuid().ToString();
        Task<HttpResponseMessage> ChangeQuotaAsync(string ifMatch)
        {
            var request = new HttpRequestMessage(HttpMethod.Patch, $"/v1/subscriptions/{subscription.Id}") { Content = new StringContent("""{"monthlyQuota":12}""", Encoding.UTF8, "application/json") };
            request.Headers.Add("Idempotency-Key", key);
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            return company.Client.SendAsync(request);
        }

        await (await ChangeQuotaAsync("\"7\"")).ShouldBeProblemAsync(HttpStatusCode.PreconditionFailed, "version_mismatch");
        var fresh = await ChangeQuotaAsync("\"1\"");
        var again = await ChangeQuotaAsync("\"1\"");

        fresh.StatusCode.ShouldBe(HttpStatusCode.OK, await fresh.Content.ReadAsStringAsync());
        fresh.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        again.Headers.GetValues("Idempotent-Replayed").Single().ShouldBe("true");
        (await EventsWrittenWithAsync(key)).ShouldBe(1);

        var needKey = Guid.NewGuid().ToString();
        await (await PostNeedAsync(company, needKey, Need.Replace("childcare", "babysitting", StringComparison.Ordinal))).ShouldBeInvalidAsync("category");
        (await PostNeedAsync(company, needKey, Need)).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task The_frameworks_refusals_are_not_kept_so_that_the_corrected_retry_runs()
    {
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var key = Guid.NewGuid().ToString();
        var asText = new HttpRequestMessage(HttpMethod.Post, "/v1/needs") { Content = new StringContent(Need, Encoding.UTF8, "text/plain") };
        asText.Headers.Add("Idempotency-Key", key);

        await (await company.Client.SendAsync(asText)).ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");
        await (await PostAsync(company, "/v1/need", key, Need)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        var corrected = await PostNeedAsync(company, key, Need);

        corrected.StatusCode.ShouldBe(HttpStatusCode.Created, await corrected.Content.ReadAsStringAsync());
        corrected.Headers.Contains("Idempotent-Replayed").ShouldBeFalse();
        (await EventsWrittenWithAsync(key)).ShouldBe(1);
    }

    private Task<HttpResponseMessage> PostNeedAsync(Actor company, string key, string json) => PostAsync(company, "/v1/needs", key, json);

    private static Task<HttpResponseMessage> PostAsync(Actor actor, string path, string key, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (json.Length > 0) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        request.Headers.Add("Idempotency-Key", key);
        return actor.Client.SendAsync(request);
    }

    private async Task<long> EventsWrittenWithAsync(string key)
    {
        await using var command = api.Service<NpgsqlDataSource>().CreateCommand("select count(distinct stream_id) from es_events where metadata->>'idempotencyKey' = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = key });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
