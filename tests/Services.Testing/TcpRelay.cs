using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Services.Testing;

/// <summary>
/// A TCP relay between clients and the test server, to fail the network on cue: it refuses
/// connections until <see cref="Open"/>, then relays them; <see cref="HoldAnswers"/> loses the
/// server's replies on the connections open now, and <see cref="Cut"/> breaks those connections.
/// The server never hears of either before it writes to the socket, as after a real network fault.
/// </summary>
public sealed class TcpRelay : IDisposable
{
    private readonly string _host;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Link, byte> _links = new();
    private TcpListener? _listener;

    public TcpRelay()
    {
        var server = new NpgsqlConnectionStringBuilder(PostgresDatabases.ServerConnectionString);
        (_host, _targetPort) = (server.Host!, server.Port);
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public int Port { get; }

    /// <summary><paramref name="connectionString"/> through this relay.</summary>
    public string Through(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Host = "127.0.0.1", Port = Port }.ConnectionString;

    public void Open()
    {
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _ = AcceptAsync(_listener);
    }

    /// <summary>What the server sends on the connections open now no longer reaches their clients.</summary>
    public void HoldAnswers()
    {
        foreach (var link in _links.Keys) link.Held = true;
    }

    /// <summary>Closes every connection open now, both ways; later connections are relayed as usual.</summary>
    public void Cut()
    {
        foreach (var link in _links.Keys) link.Close();
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
        using var outbound = new TcpClient();
        using var link = new Link(inbound.Client, outbound.Client, _stop.Token);
        _links[link] = 0;
        try
        {
            await outbound.ConnectAsync(_host, _targetPort, link.Closed);
            var (client, server) = (inbound.GetStream(), outbound.GetStream());
            await Task.WhenAny(PumpAsync(client, server, link, toClient: false), PumpAsync(server, client, link, toClient: true));
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // The relay is closing, the link was cut, or a side hung up.
        }
        finally
        {
            _links.TryRemove(link, out _);
        }
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, Link link, bool toClient)
    {
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await from.ReadAsync(buffer, link.Closed)) > 0)
        {
            if (toClient && link.Held) continue;
            await to.WriteAsync(buffer.AsMemory(0, read), link.Closed);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener?.Stop();
        foreach (var link in _links.Keys) link.Close();
        _stop.Dispose();
    }

    /// <summary>One relayed connection; its sockets are kept from the start, as the clients let go of theirs when disposed.</summary>
    private sealed class Link(Socket inbound, Socket outbound, CancellationToken relayStopping) : IDisposable
    {
        private readonly CancellationTokenSource _closed = CancellationTokenSource.CreateLinkedTokenSource(relayStopping);

        public volatile bool Held;

        public CancellationToken Closed => _closed.Token;

        /// <summary>Shuts both sockets down (a FIN each way, as from a peer that went away), then closes them.</summary>
        public void Close()
        {
            foreach (var socket in new[] { inbound, outbound })
            {
                try
                {
                    socket.Shutdown(SocketShutdown.Both);
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                    // Never connected, or closed already.
                }
            }
            try
            {
                _closed.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The link ended meanwhile.
            }
            inbound.Close();
            outbound.Close();
        }

        public void Dispose() => _closed.Dispose();
    }
}
