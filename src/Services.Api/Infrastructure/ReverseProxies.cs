using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Services.Api.Infrastructure;

/// <summary>
/// Behind a reverse proxy or load balancer every request comes from the proxy's address, and the
/// per-address limits (<see cref="RateLimiting"/>) would put every client in one bucket. The proxies
/// named in <c>ReverseProxies:Trusted</c> (addresses, or networks as CIDR) are believed when their
/// X-Forwarded-For names the client; no one else is, so a client that reaches the API directly
/// cannot pick its address by sending the header. With none named, the header is ignored.
/// </summary>
public static class ReverseProxies
{
    public const string Section = "ReverseProxies:Trusted";

    /// <summary>Reads the trusted proxies now, so that a wrong entry stops the start rather than the first request.</summary>
    public static IServiceCollection AddReverseProxies(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var addresses = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        foreach (var entry in configuration.GetSection(Section).Get<string[]>() ?? [])
        {
            // Strict: TryParse would take "10.1" for 10.0.0.1.
            if (IPAddress.TryParse(entry, out var address) && (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || entry.Count(c => c == '.') == 3)) addresses.Add(address);
            else if (System.Net.IPNetwork.TryParse(entry, out var network)) networks.Add(network);
            else throw new InvalidOperationException($"{Section}: '{entry}' is neither an IP address nor a network in CIDR notation (e.g. 10.0.0.0/8).");
        }
        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            // Not the defaults (loopback): only what was named. One hop: the address the trusted proxy
            // appended, not what the client wrote before it (a client inside a trusted network would
            // otherwise pick its address).
            options.KnownProxies.Clear();
            options.KnownIPNetworks.Clear();
            options.ForwardLimit = 1;
            foreach (var address in addresses) options.KnownProxies.Add(address);
            foreach (var network in networks) options.KnownIPNetworks.Add(network);
        });
        return services;
    }

    public static WebApplication UseReverseProxies(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Configuration.GetSection(Section).Get<string[]>() is { Length: > 0 }) app.UseForwardedHeaders();
        return app;
    }
}
