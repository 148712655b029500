using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;
using Services.Api.Tests.Http;
using Services.Testing;

namespace Services.Api.Tests.Reliability;

/// <summary>The API in front of a database that is down at start-up, then comes back (through a TCP relay the test opens).</summary>
public sealed class DatabaseOutageTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task While_the_database_is_down_calls_get_503_with_retry_after_and_it_recovers_by_itself()
    {
        var server = new NpgsqlConnectionStringBuilder(PostgresDatabases.ServerConnectionString);
        using var relay = new TcpRelay(server.Host!, server.Port);
        var throughRelay = new NpgsqlConnectionStringBuilder(api.ConnectionString) { Host = "127.0.0.1", Port = relay.Port, Timeout = 2 }.ConnectionString;
        await using var factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            web.UseSetting("ConnectionStrings:Postgres", throughRelay);
            web.UseSetting("Auth:OperatorKey", ApiFixture.OperatorKey);
            web.UseSetting("Secrets:MasterKey", ApiFixture.MasterKey);
            web.UseSetting("Demo:Enabled", "false");
            web.UseSetting("Logging:LogLevel:Default", "Critical");
        });
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", ApiFixture.OperatorKey);

        (await client.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await client.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var down = await client.GetAsync("/v1/organizations/org_aaaaaaaaaaaaaaaaaaaaaaaa");
        await down.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable, "database_unavailable");
        down.Headers.RetryAfter.ShouldNotBeNull();

        relay.Open();

        await Eventually.WaitUntilAsync(async () => (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            "the API is ready once the database is back", TimeSpan.FromSeconds(10));
        (await client.GetAsync("/v1/organizations/org_aaaaaaaaaaaaaaaaaaaaaaaa")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    /// <summary>Refuses connections until opened, then relays them to the real server.</summary>
    private sealed class TcpRelay : IDisposable
    {
        private readonly string _host;
        private readonly int _targetPort;
        private readonly CancellationTokenSource _stop = new();
        private TcpListener? _listener;

        public TcpRelay(string host, int targetPort)
        {
            (_host, _targetPort) = (host, targetPort);
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        public int Port { get; }

        public void Open()
        {
            _listener = new TcpListener(IPAddress.Loopback, Port);
            _listener.Start();
            _ = AcceptAsync(_listener);
        }

        private async Task AcceptAsync(TcpListener listener)
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient inbound;
                try { inbound = await listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException) { return; }
                _ = RelayAsync(inbound);
            }
        }

        private async Task RelayAsync(TcpClient inbound)
        {
            using (inbound)
            using (var outbound = new TcpClient())
            {
                try
                {
                    await outbound.ConnectAsync(_host, _targetPort, _stop.Token);
                    await using var a = inbound.GetStream();
                    await using var b = outbound.GetStream();
                    await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException)
                {
                    // The relay is closing or a side hung up.
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener?.Stop();
            _stop.Dispose();
        }
    }
}
