using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging.Abstractions;
using Services.Api.Demo;
using Services.Api.Tests.Http;

namespace Services.Api.Tests.Demo;

/// <summary>The demo territory that <c>./ops/run.sh</c> loads, through the API, once per database.</summary>
public sealed class DemoLoaderTests(ApiFixture api) : IClassFixture<ApiFixture>, IDisposable
{
    private readonly string _keysFile = Path.Combine(Path.GetTempPath(), $"services-demo-keys-{Guid.NewGuid():N}.json");

    [Fact]
    public async Task A_load_stopped_midway_resumes_at_the_next_start_and_makes_nothing_twice()
    {
        var loader = new DemoLoader(api.Service<EventStore.EventStore>(), TimeProvider.System, NullLogger.Instance);

        using var stoppingAfter20 = api.OperatorClient(new StopAfter(20));
        await Should.ThrowAsync<HttpRequestException>(() => loader.LoadOnceAsync(stoppingAfter20, _keysFile, CancellationToken.None));
        (await api.CountAsync("select count(*) from es_events where event_type = 'organization.registered'")).ShouldBe(7, "the first start got that far");
        File.Exists(_keysFile).ShouldBeFalse();

        var keys = await loader.LoadOnceAsync(api.Operator, _keysFile, CancellationToken.None);

        keys.ShouldNotBeNull();
        foreach (var (type, count) in new[] { ("organization.registered", 7L), ("offer.published", 4L), ("slot.scheduled", 52L), ("booking.requested", 10L), ("need.recorded", 2L), ("organization.api_key_issued", 4L) })
            (await api.CountAsync("select count(*) from es_events where event_type = $1", type)).ShouldBe(count, type);
        var company = api.ClientWithKey(keys.CompanyKey);
        (await company.GetAsync("/v1/needs")).StatusCode.ShouldBe(HttpStatusCode.OK);
        if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(_keysFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite, "the keys act for the demo's organizations");

        using var refusingAnyRequest = api.OperatorClient(new StopAfter(0));
        (await loader.LoadOnceAsync(refusingAnyRequest, _keysFile, CancellationToken.None)).ShouldBe(keys, "loaded: the keys come from the file, nothing is asked of the API");
    }

    public void Dispose() => File.Delete(_keysFile);
}

/// <summary>Its own database: the demo is loaded once per database.</summary>
public sealed class DemoLoaderResumeWindowTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task A_load_stopped_long_ago_is_not_resumed_and_says_how_to_load_it_again()
    {
        var clock = new FakeClock(DateTimeOffset.UtcNow);
        var loader = new DemoLoader(api.Service<EventStore.EventStore>(), clock, NullLogger.Instance);
        var keysFile = Path.Combine(Path.GetTempPath(), $"services-demo-keys-{Guid.NewGuid():N}.json");
        using var stoppingAfter3 = api.OperatorClient(new StopAfter(3));
        await Should.ThrowAsync<HttpRequestException>(() => loader.LoadOnceAsync(stoppingAfter3, keysFile, CancellationToken.None));

        clock.Advance(DemoLoader.ResumableFor + TimeSpan.FromMinutes(1));
        var refused = await Should.ThrowAsync<InvalidOperationException>(() => loader.LoadOnceAsync(api.Operator, keysFile, CancellationToken.None));

        refused.Message.ShouldContain("too old to resume");
        refused.Message.ShouldContain("drop database");
        (await api.CountAsync("select count(*) from es_events where event_type = 'organization.registered'")).ShouldBe(3, "nothing loaded on top");
    }
}

internal static class DemoClients
{
    public static HttpClient OperatorClient(this ApiFixture api, DelegatingHandler handler)
    {
        var client = api.Factory.CreateDefaultClient(handler);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiFixture.OperatorKey);
        return client;
    }
}

/// <summary>The API stopping under the load: requests after the first <paramref name="requests"/> never arrive.</summary>
internal sealed class StopAfter(int requests) : DelegatingHandler
{
    private int _sent;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        ++_sent > requests ? throw new HttpRequestException("The API stopped.") : base.SendAsync(request, cancellationToken);
}
