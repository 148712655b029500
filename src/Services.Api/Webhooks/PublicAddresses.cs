using System.Net;
using System.Net.Sockets;

namespace Services.Api.Webhooks;

/// <summary>
/// Webhooks are delivered to the public internet only: an organization must not be able to make the
/// platform call its own private network (the cloud's metadata service at 169.254.169.254, a
/// database on 10.x, the API itself on loopback). Checked when a webhook is registered (addresses
/// written in the URL) and again when a delivery connects (names resolving to private addresses,
/// including names re-pointed after registration).
/// </summary>
public static class PublicAddresses
{
    private static readonly (IPAddress Network, int Prefix)[] NotPublic =
    [
        (IPAddress.Parse("0.0.0.0"), 8), (IPAddress.Parse("10.0.0.0"), 8), (IPAddress.Parse("100.64.0.0"), 10),
        (IPAddress.Parse("127.0.0.0"), 8), (IPAddress.Parse("169.254.0.0"), 16), (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.0.0.0"), 24), (IPAddress.Parse("192.0.2.0"), 24), (IPAddress.Parse("192.168.0.0"), 16),
        (IPAddress.Parse("198.18.0.0"), 15), (IPAddress.Parse("198.51.100.0"), 24), (IPAddress.Parse("203.0.113.0"), 24),
        (IPAddress.Parse("224.0.0.0"), 3),
        // IPv6 forms that carry an IPv4 address (IPv4-compatible, SIIT, NAT64, 6to4) are refused
        // outright rather than judged by the address inside.
        (IPAddress.Parse("::"), 96), (IPAddress.Parse("::ffff:0:0:0"), 96), (IPAddress.Parse("64:ff9b::"), 96),
        (IPAddress.Parse("64:ff9b:1::"), 48), (IPAddress.Parse("100::"), 64), (IPAddress.Parse("2001:db8::"), 32),
        (IPAddress.Parse("2002::"), 16), (IPAddress.Parse("fc00::"), 7), (IPAddress.Parse("fe80::"), 10),
        (IPAddress.Parse("fec0::"), 10), (IPAddress.Parse("ff00::"), 8),
    ];

    /// <summary>
    /// The networks <see cref="WebhookOptions.AllowPrivateNetworks"/> opens (RFC 1918, shared address space,
    /// unique local): where an in-house receiver may live. Not link-local (the metadata service), the
    /// unspecified address (it reaches this machine), multicast or broadcast: no receiver lives there.
    /// </summary>
    private static readonly (IPAddress Network, int Prefix)[] PrivateNetworks =
    [
        (IPAddress.Parse("10.0.0.0"), 8), (IPAddress.Parse("100.64.0.0"), 10), (IPAddress.Parse("172.16.0.0"), 12),
        (IPAddress.Parse("192.168.0.0"), 16), (IPAddress.Parse("fc00::"), 7),
    ];

    public static bool IsPublic(IPAddress address) => !IsIn(NotPublic, address);

    public static bool IsPrivateNetwork(IPAddress address) => IsIn(PrivateNetworks, address);

    private static bool IsIn((IPAddress Network, int Prefix)[] ranges, IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        return ranges.Any(range => range.Network.AddressFamily == address.AddressFamily && InRange(address, range.Network, range.Prefix));
    }

    /// <summary>
    /// Connects a delivery to the first address of the host that <paramref name="allowed"/> accepts;
    /// refuses when there is none, so that the request never leaves for a private address.
    /// </summary>
    public static async ValueTask<Stream> ConnectAsync(DnsEndPoint endPoint, Func<IPAddress, bool> allowed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(allowed);
        var addresses = IPAddress.TryParse(endPoint.Host, out var literal) ? [literal] : await ResolveAsync(endPoint.Host, cancellationToken);
        var usable = addresses.Where(allowed).ToArray();
        // One answer whether the name is unknown or resolves only to refused addresses: telling them
        // apart would let an organization map the names of the platform's own network.
        if (usable.Length == 0)
            throw new HttpRequestException($"{endPoint.Host} does not resolve to a public address; webhooks are delivered to public endpoints only.");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(usable, endPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static bool InRange(IPAddress address, IPAddress network, int prefix)
    {
        var a = address.GetAddressBytes();
        var n = network.GetAddressBytes();
        var whole = prefix / 8;
        for (var i = 0; i < whole; i++)
            if (a[i] != n[i]) return false;
        var rest = prefix % 8;
        if (rest == 0) return true;
        var mask = (byte)(0xFF << (8 - rest));
        return (a[whole] & mask) == (n[whole] & mask);
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        try
        {
            return await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            return [];
        }
    }
}
