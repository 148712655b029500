using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Services.Api.Security;

namespace Services.Api.Tests.Security;

public sealed class MasterKeyTests
{
    private sealed class Environment(string name) : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = name;
        public string ApplicationName { get; set; } = "Services.Api";
        public string ContentRootPath { get; set; } = "/";
        public IFileProvider ContentRootFileProvider { get; set; } = new NullFileProvider();
    }

    private static IConfiguration Configured(string? masterKey) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [MasterKey.ConfigurationKey] = masterKey }).Build();

    [Fact]
    public void Outside_development_the_api_refuses_to_start_without_a_master_key() =>
        Should.Throw<InvalidOperationException>(() => MasterKey.From(Configured(null), new Environment(Environments.Production), generatingDocument: false))
            .Message.ShouldContain("Secrets__MasterKey");

    [Theory]
    [InlineData("not base64!")]
    [InlineData("c2hvcnQ=")] // 5 bytes
    public void A_malformed_master_key_is_refused_everywhere(string configured) =>
        Should.Throw<InvalidOperationException>(() => MasterKey.From(Configured(configured), new Environment(Environments.Development), generatingDocument: false));

    [Fact]
    public void In_development_a_missing_key_is_replaced_by_one_for_this_process_only()
    {
        var first = MasterKey.From(Configured(null), new Environment(Environments.Development), generatingDocument: false);
        var second = MasterKey.From(Configured(null), new Environment(Environments.Development), generatingDocument: false);

        first.IsEphemeral.ShouldBeTrue();
        Should.Throw<CryptographicException>(() => second.Unwrap(first.Wrap([1, 2, 3], "ctx"), "ctx"));
    }

    [Fact]
    public void A_wrapped_secret_opens_only_with_its_key_and_context()
    {
        var key = MasterKey.From(Configured(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))), new Environment(Environments.Production), generatingDocument: false);
        var wrapped = key.WrapText("whsec_abc", "webhook:whk_1");

        key.UnwrapText(wrapped, "webhook:whk_1").ShouldBe("whsec_abc");
        Encoding.UTF8.GetString(wrapped).ShouldNotContain("whsec_abc");
        Should.Throw<CryptographicException>(() => key.Unwrap(wrapped, "webhook:whk_2"));
        wrapped[^1] ^= 1;
        Should.Throw<CryptographicException>(() => key.Unwrap(wrapped, "webhook:whk_1"));
    }

    private static IConfiguration Configured(string masterKey, params string[] previous) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [MasterKey.ConfigurationKey] = masterKey,
            [MasterKey.PreviousConfigurationKey] = string.Join(", ", previous),
        }).Build();

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_secret_wrapped_under_a_previous_key_opens_and_is_wrapped_again_under_the_current_one()
    {
        var (old, older, current) = (NewKey(), NewKey(), NewKey());
        var wrappedByOld = MasterKey.From(Configured(old), new Environment(Environments.Production), generatingDocument: false).Wrap([1, 2, 3], "ctx");
        var rotated = MasterKey.From(Configured(current, older, old), new Environment(Environments.Production), generatingDocument: false);

        rotated.Unwrap(wrappedByOld, "ctx").ShouldBe([1, 2, 3]);
        var again = rotated.Rewrapped(wrappedByOld, "ctx").ShouldNotBeNull();
        rotated.Rewrapped(again, "ctx").ShouldBeNull();
        MasterKey.From(Configured(current), new Environment(Environments.Production), generatingDocument: false).Unwrap(again, "ctx").ShouldBe([1, 2, 3]);
        Should.Throw<SecretKeyUnavailableException>(() => MasterKey.From(Configured(current, older), new Environment(Environments.Production), generatingDocument: false).Unwrap(wrappedByOld, "ctx"));
    }

    [Fact]
    public void Previous_keys_may_be_given_as_an_array()
    {
        var (old, current) = (NewKey(), NewKey());
        var wrappedByOld = MasterKey.From(Configured(old), new Environment(Environments.Production), generatingDocument: false).Wrap([4], "ctx");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [MasterKey.ConfigurationKey] = current,
            [MasterKey.PreviousConfigurationKey + ":0"] = old,
        }).Build();

        MasterKey.From(configuration, new Environment(Environments.Production), generatingDocument: false).Unwrap(wrappedByOld, "ctx").ShouldBe([4]);
    }

    [Theory]
    [InlineData("Development")]
    [InlineData("Production")]
    public void Previous_keys_without_a_current_key_are_refused_everywhere_rather_than_rewrapped_under_a_made_up_key(string environment)
    {
        var previous = NewKey();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [MasterKey.PreviousConfigurationKey] = previous }).Build();

        var message = Should.Throw<InvalidOperationException>(() => MasterKey.From(configuration, new Environment(environment), generatingDocument: false)).Message;

        message.ShouldContain(MasterKey.ConfigurationKey);
        message.ShouldContain(MasterKey.PreviousConfigurationKey);
        message.ShouldNotContain(previous);
    }

    [Fact]
    public void A_malformed_previous_key_is_refused_at_start_naming_the_setting_and_not_the_keys()
    {
        var good = NewKey();
        var message = Should.Throw<InvalidOperationException>(() =>
            MasterKey.From(Configured(NewKey(), good, "c2hvcnQ="), new Environment(Environments.Development), generatingDocument: false)).Message;
        message.ShouldContain(MasterKey.PreviousConfigurationKey);
        message.ShouldContain("key 2 of 2");
        message.ShouldNotContain(good);
        message.ShouldNotContain("c2hvcnQ=");
    }
}
