using System.Net;
using Services.Api.Webhooks;

namespace Services.Api.Tests.Webhooks;

/// <summary>Which addresses a delivery may reach: public ones only, private networks when opened, loopback by its own switch; checked again when connecting.</summary>
public sealed class WebhookAddressTests
{
    [Theory]
    [InlineData("https://hooks.example.com./hook")] // an absolute name
    [InlineData("https://my_receiver.example.com/hook")]
    [InlineData("https://HOOKS.Example.com:8443/hook")]
    [InlineData("https://bücher.example/hook")]
    public void Public_host_names_as_dns_writes_them_are_accepted(string url) => new WebhookOptions().Refuse(url).ShouldBeNull();

    [Theory]
    [InlineData("8.8.8.8", true)]
    [InlineData("172.32.0.1", true)]
    [InlineData("2606:4700::1111", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("172.20.0.1", false)]
    [InlineData("100.64.0.1", false)]
    [InlineData("169.254.169.254", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("255.255.255.255", false)]
    [InlineData("::", false)]
    [InlineData("fe80::1", false)]
    [InlineData("::ffff:192.168.0.1", false)]
    [InlineData("64:ff9b::a00:1", false)] // NAT64 of 10.0.0.1
    [InlineData("2002:a00:1::1", false)] // 6to4 of 10.0.0.1
    [InlineData("::10.0.0.1", false)]
    public void Public_addresses_are_told_from_private_local_and_reserved_ones(string address, bool isPublic) =>
        PublicAddresses.IsPublic(IPAddress.Parse(address)).ShouldBe(isPublic);

    [Theory]
    [InlineData("https://10.0.0.5/hook", true)]
    [InlineData("https://172.20.0.1/hook", true)]
    [InlineData("https://[fd00::1]/hook", true)]
    [InlineData("https://169.254.169.254/latest/meta-data", false)] // a cloud's metadata service
    [InlineData("https://[fe80::1]/hook", false)]
    [InlineData("https://0.0.0.0:8443/hook", false)] // reaches this machine
    [InlineData("https://[::]:8443/hook", false)]
    [InlineData("https://224.0.0.1/hook", false)]
    [InlineData("https://255.255.255.255/hook", false)]
    [InlineData("https://127.0.0.1/hook", false)] // loopback has its own switch
    [InlineData("https://receiver:8443/hook", true)] // a service name on the platform's network
    [InlineData("https://-bad-/hook", false)]
    public void Opening_private_networks_opens_those_alone(string url, bool accepted) =>
        (new WebhookOptions { AllowPrivateNetworks = true }.Refuse(url) is null).ShouldBe(accepted);

    [Fact]
    public async Task A_delivery_where_private_networks_are_open_never_connects_to_this_machine_through_the_unspecified_address()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var inHouse = new WebhookOptions { AllowPrivateNetworks = true };
        await Should.ThrowAsync<HttpRequestException>(async () =>
            await PublicAddresses.ConnectAsync(new DnsEndPoint("0.0.0.0", port), inHouse.MayDeliverTo, CancellationToken.None));
    }

    [Fact]
    public async Task A_delivery_never_connects_to_a_name_that_resolves_to_this_machine()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var strict = new WebhookOptions();
        var refused = await Should.ThrowAsync<HttpRequestException>(async () =>
            await PublicAddresses.ConnectAsync(new DnsEndPoint("localhost", port), strict.MayDeliverTo, CancellationToken.None));
        // A name that does not exist (RFC 6761) reads the same: the answers do not map the platform's network.
        var unknown = await Should.ThrowAsync<HttpRequestException>(async () =>
            await PublicAddresses.ConnectAsync(new DnsEndPoint("webhooks-test.invalid", port), strict.MayDeliverTo, CancellationToken.None));
        unknown.Message.ShouldBe(refused.Message.Replace("localhost", "webhooks-test.invalid", StringComparison.Ordinal));

        var development = new WebhookOptions { AllowHttpLoopback = true };
        await using var stream = await PublicAddresses.ConnectAsync(new DnsEndPoint("localhost", port), development.MayDeliverTo, CancellationToken.None);
        stream.CanWrite.ShouldBeTrue();
    }
}
