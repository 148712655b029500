using Microsoft.AspNetCore.Hosting;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Services.Api.Tests.Http;

/// <summary>A clock a test sets by hand, for rules that depend on time having passed (a slot has started).</summary>
public sealed class FakeClock(DateTimeOffset now) : TimeProvider
{
    private long _ticks = now.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Set(DateTimeOffset instant) => Interlocked.Exchange(ref _ticks, instant.UtcTicks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>
/// A second instance of the API on the fixture's database whose TimeProvider is a <see cref="FakeClock"/>.
/// Organizations and their keys are shared with the fixture; only "now" differs.
/// </summary>
public sealed class ClockedApi(WebApplicationFactory<Program> factory, FakeClock clock) : IAsyncDisposable
{
    public FakeClock Clock { get; } = clock;

    /// <summary>A client acting with the same key as <paramref name="actor"/>'s client.</summary>
    public HttpClient ClientFor(Actor actor)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = actor.Client.DefaultRequestHeaders.Authorization;
        return client;
    }

    public HttpClient Operator()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiFixture.OperatorKey);
        return client;
    }

    /// <summary>A service of this instance: one that reads <see cref="Clock"/>.</summary>
    public T Service<T>() where T : notnull => factory.Services.GetRequiredService<T>();

    public ValueTask DisposeAsync() => factory.DisposeAsync();
}

public static class Clocks
{
    /// <summary>Runs the API again on the same database with <paramref name="clock"/> as its TimeProvider, and <paramref name="settings"/> on top of the fixture's.</summary>
    public static ClockedApi WithClock(this ApiFixture api, FakeClock clock, params (string Key, string Value)[] settings) =>
        api.WithClock(clock, _ => { }, settings);

    /// <summary>As <see cref="WithClock(ApiFixture, FakeClock, ValueTuple{string, string}[])"/>, with <paramref name="services"/> changed as a test needs.</summary>
    public static ClockedApi WithClock(this ApiFixture api, FakeClock clock, Action<IServiceCollection> services, params (string Key, string Value)[] settings)
    {
        ArgumentNullException.ThrowIfNull(api);
        var factory = api.Factory.WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in settings) web.UseSetting(key, value);
            web.ConfigureTestServices(replaced =>
            {
                replaced.RemoveAll<TimeProvider>();
                replaced.AddSingleton<TimeProvider>(clock);
                services(replaced);
            });
        });
        return new ClockedApi(factory, clock);
    }
}
