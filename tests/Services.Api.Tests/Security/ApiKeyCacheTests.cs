using Services.Api.Common;
using Services.Api.Security;

namespace Services.Api.Tests.Security;

public sealed class ApiKeyCacheTests
{
    private static readonly VerifiedKey Key = new(new Caller("org_aaaaaaaaaaaaaaaaaaaaaaaa", OrganizationKind.Company, ApiKeyAccess.Full), [1, 2, 3], ExpiresAt: null);

    private readonly ManualTimestamps _time = new();

    private ApiKeyCache Listening(int capacity = 100, int lifetimeSeconds = 60)
    {
        var cache = new ApiKeyCache(new ApiKeyCacheOptions { Capacity = capacity, Lifetime = TimeSpan.FromSeconds(lifetimeSeconds) }, _time);
        cache.Trust();
        return cache;
    }

    [Fact]
    public void A_kept_key_is_served_until_its_lifetime_ends()
    {
        var cache = Listening(lifetimeSeconds: 60);

        cache.Keep("key_a", Key, cache.Generation);
        _time.Advance(TimeSpan.FromSeconds(59));

        cache.TryGet("key_a", out var kept).ShouldBeTrue();
        kept.ShouldBe(Key);
        _time.Advance(TimeSpan.FromSeconds(1));
        cache.TryGet("key_a", out _).ShouldBeFalse();
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public void A_forgotten_key_is_dropped_and_a_lookup_that_began_before_is_not_kept()
    {
        var cache = Listening();
        cache.Keep("key_a", Key, cache.Generation);
        var lookupBegan = cache.Generation;

        cache.Forget("key_a");
        cache.Keep("key_a", Key, lookupBegan);

        cache.TryGet("key_a", out _).ShouldBeFalse();
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public void Nothing_is_kept_while_revocations_are_not_heard_and_listening_again_starts_empty()
    {
        var cache = new ApiKeyCache(new ApiKeyCacheOptions(), _time);
        cache.Keep("key_a", Key, cache.Generation);
        cache.TryGet("key_a", out _).ShouldBeFalse();

        cache.Trust();
        cache.Keep("key_a", Key, cache.Generation);
        var lookupBegan = cache.Generation;
        cache.Distrust();
        cache.Keep("key_b", Key, lookupBegan);
        cache.Trust();

        cache.TryGet("key_a", out _).ShouldBeFalse();
        cache.TryGet("key_b", out _).ShouldBeFalse();
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public void Reconnecting_forgets_what_was_kept_before()
    {
        var cache = Listening();
        cache.Keep("key_a", Key, cache.Generation);

        cache.Trust();

        cache.TryGet("key_a", out _).ShouldBeFalse();
    }

    [Fact]
    public void The_cache_holds_at_most_its_capacity_and_makes_room_as_entries_expire()
    {
        var cache = Listening(capacity: 2, lifetimeSeconds: 10);
        cache.Keep("key_a", Key, cache.Generation);
        _time.Advance(TimeSpan.FromSeconds(5));
        cache.Keep("key_b", Key, cache.Generation);

        cache.Keep("key_c", Key, cache.Generation);
        cache.Count.ShouldBe(2);
        cache.TryGet("key_c", out _).ShouldBeFalse();

        _time.Advance(TimeSpan.FromSeconds(5));
        cache.Keep("key_c", Key, cache.Generation);
        cache.TryGet("key_c", out _).ShouldBeTrue();
        cache.TryGet("key_b", out _).ShouldBeTrue();
        cache.Count.ShouldBe(2);
    }

    [Fact]
    public void A_zero_lifetime_turns_the_cache_off()
    {
        var cache = Listening(lifetimeSeconds: 0);

        cache.Keep("key_a", Key, cache.Generation);

        cache.TryGet("key_a", out _).ShouldBeFalse();
    }
}
