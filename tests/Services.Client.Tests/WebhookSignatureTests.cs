using System.Security.Cryptography;
using System.Text;

namespace Services.Client.Tests;

public sealed class WebhookSignatureTests
{
    private const string Secret = "whsec_test_0123456789";
    private const string Body = """{"id":"evt_1","type":"booking.confirmed"}""";
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 7, 30, 0, TimeSpan.Zero);

    [Fact]
    public void A_signature_made_with_the_secret_verifies()
    {
        var header = WebhookSignature.Sign(Secret, Now, Body);

        header.ShouldStartWith($"t={Now.ToUnixTimeSeconds()},v1=");
        WebhookSignature.Verify(Secret, header, Body, now: Now.AddMinutes(1)).ShouldBeTrue();
        WebhookSignature.Verify(Secret, header, Encoding.UTF8.GetBytes(Body), now: Now).ShouldBeTrue();
    }

    [Fact]
    public void The_format_is_hex_hmac_sha256_of_timestamp_dot_body()
    {
        var t = Now.ToUnixTimeSeconds();
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes($"{t}.{Body}")));

        WebhookSignature.Verify(Secret, $"t={t},v1={expected}", Body, now: Now).ShouldBeTrue();
        WebhookSignature.Verify(Secret, $"t={t},v1={expected.ToUpperInvariant()}", Body, now: Now).ShouldBeTrue();
    }

    [Fact]
    public void A_tampered_body_another_secret_or_timestamp_fails()
    {
        var header = WebhookSignature.Sign(Secret, Now, Body);
        var t = Now.ToUnixTimeSeconds();

        WebhookSignature.Verify(Secret, header, Body + " ", now: Now).ShouldBeFalse();
        WebhookSignature.Verify("whsec_other", header, Body, now: Now).ShouldBeFalse();
        WebhookSignature.Verify(Secret, header.Replace($"t={t}", $"t={t + 1}", StringComparison.Ordinal), Body, now: Now).ShouldBeFalse();
    }

    [Theory]
    [InlineData("99999999999999")]
    [InlineData("9223372036854775807")]
    public void A_timestamp_past_the_calendar_fails_rather_than_throws(string t)
    {
        var v1 = WebhookSignature.Sign(Secret, Now, Body).Split(",v1=")[1];

        WebhookSignature.Verify(Secret, $"t={t},v1={v1}", Body, now: Now).ShouldBeFalse();
    }

    [Fact]
    public void A_signature_outside_the_tolerance_fails()
    {
        var header = WebhookSignature.Sign(Secret, Now, Body);

        WebhookSignature.Verify(Secret, header, Body, TimeSpan.FromMinutes(5), Now.AddMinutes(6)).ShouldBeFalse();
        WebhookSignature.Verify(Secret, header, Body, TimeSpan.FromMinutes(5), Now.AddMinutes(-6)).ShouldBeFalse();
        WebhookSignature.Verify(Secret, header, Body, TimeSpan.FromMinutes(10), Now.AddMinutes(6)).ShouldBeTrue();
        Should.Throw<WebhookSignatureException>(() => WebhookSignature.VerifyOrThrow(Secret, header, Encoding.UTF8.GetBytes(Body), TimeSpan.FromMinutes(5), Now.AddHours(1)))
            .Message.ShouldContain("tolerance");
    }

    [Fact]
    public void Any_of_several_v1_signatures_may_match_as_during_a_secret_rotation()
    {
        var old = WebhookSignature.Sign("whsec_old", Now, Body);
        var current = WebhookSignature.Sign(Secret, Now, Body);
        var both = $"{old},{current[(current.IndexOf(',', StringComparison.Ordinal) + 1)..]}";

        WebhookSignature.Verify(Secret, both, Body, now: Now).ShouldBeTrue();
        WebhookSignature.Verify("whsec_old", both, Body, now: Now).ShouldBeTrue();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v1=abc")]
    [InlineData("t=1795419000")]
    [InlineData("t=abc,v1=00")]
    [InlineData("garbage")]
    public void Malformed_headers_fail(string? header) =>
        WebhookSignature.Verify(Secret, header, Body, now: Now).ShouldBeFalse();
}

public sealed class WebhookSignatureCompatibilityTests
{
    private const string Secret = "whsec_compat_0123456789";
    private const string Body = """{"id":"evt_1","type":"booking.confirmed","data":{"é":"ü"}}""";

    [Fact]
    public void The_client_verifies_what_the_server_signs_and_signs_it_alike()
    {
        var now = DateTimeOffset.UtcNow;

        WebhookSignature.Verify(Secret, Services.Api.Webhooks.WebhookSignature.Sign(Secret, now, Body), Body).ShouldBeTrue();
        WebhookSignature.Sign(Secret, now, Body).ShouldBe(Services.Api.Webhooks.WebhookSignature.Sign(Secret, now, Body));
    }
}
