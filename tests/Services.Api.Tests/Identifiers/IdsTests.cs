using System.Text.RegularExpressions;
using Services.Api.Common;

namespace Services.Api.Tests.Identifiers;

public sealed class IdsTests
{
    private const int TimeLength = 10;

    [Fact]
    public void Ids_sort_by_the_millisecond_they_were_made_in()
    {
        // Every digit in each of the last two places, then carries and the largest instant.
        long[] instants = [.. Enumerable.Range(0, 32 * 32).Select(ms => (long)ms), 1_795_000_000_000, 1_795_000_000_001, 1_795_000_001_000, (1L << 50) - 1];
        var ids = instants.Select(ms => Ids.New(Ids.Booking, ms)).ToList();
        ids.ShouldBe(ids.Order(StringComparer.Ordinal).ToList());
        ids.ShouldAllBe(id => Ids.IsWellFormed(id, Ids.Booking));
    }

    [Theory]
    [InlineData("bkg_01jbz3k9x0abcdefghjkmnpq")]
    [InlineData("bkg_01jbz3k9x0abcdefghjkmnp")]
    [InlineData("bkg_01jbz3k9x0abcdefghjkmnpqr")]
    [InlineData("slt_01jbz3k9x0abcdefghjkmnpq")]
    [InlineData("bkg_01jbz3k9x0abcdefghijkmnp")]
    [InlineData("bkg_01JBZ3K9X0ABCDEFGHJKMNPQ")]
    [InlineData("xbkg_01jbz3k9x0abcdefghjkmnpq")]
    public void The_documented_pattern_of_an_id_says_what_validation_accepts(string candidate)
    {
        // The API document gives clients this pattern (SchemaPatterns); the server checks IsWellFormed.
        Regex.IsMatch(candidate, Ids.Pattern(Ids.Booking)).ShouldBe(Ids.IsWellFormed(candidate, Ids.Booking));
        Regex.IsMatch(Ids.New(Ids.Booking), Ids.Pattern(Ids.Booking)).ShouldBeTrue();
    }

    [Fact]
    public void Ids_made_in_one_millisecond_differ_by_their_random_part()
    {
        var ids = Enumerable.Range(0, 1_000).Select(_ => Ids.New(Ids.Slot, 1_795_000_000_000)).ToList();
        ids.Distinct(StringComparer.Ordinal).Count().ShouldBe(ids.Count);
        ids.Select(id => id[..(Ids.Slot.Length + 1 + TimeLength)]).Distinct().ShouldHaveSingleItem();
    }

    [Fact]
    public void A_new_id_starts_with_the_current_time()
    {
        var before = Ids.New(Ids.Offer, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var id = Ids.New(Ids.Offer);
        var after = Ids.New(Ids.Offer, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var time = Ids.Offer.Length + 1 + TimeLength;
        string.CompareOrdinal(id[..time], before[..time]).ShouldBeGreaterThanOrEqualTo(0);
        string.CompareOrdinal(id[..time], after[..time]).ShouldBeLessThanOrEqualTo(0);
        Ids.IsWellFormed(id, Ids.Offer).ShouldBeTrue();
    }
}
