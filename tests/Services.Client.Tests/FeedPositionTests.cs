namespace Services.Client.Tests;

public sealed class FeedPositionTests
{
    [Fact]
    public void Positions_compare_as_pairs_of_integers_not_as_decimals_or_text()
    {
        var (earlier, later) = (FeedPosition.Parse("894.99"), FeedPosition.Parse("894.100"));

        (earlier < later).ShouldBeTrue();
        (FeedPosition.Parse("894.100") < FeedPosition.Parse("1000.1")).ShouldBeTrue();
        new[] { "1000.1", "894.100", "894.99" }.Select(FeedPosition.Parse).Order().Select(p => p.ToString()).ShouldBe(["894.99", "894.100", "1000.1"]);
        later.ShouldBe(new FeedPosition(894, 100));
    }

    [Theory]
    [InlineData("")]
    [InlineData("894")]
    [InlineData("894.")]
    [InlineData(".5")]
    [InlineData("894.-5")]
    [InlineData("894.1.2")]
    [InlineData("a.b")]
    public void Anything_else_is_not_a_position(string text)
    {
        FeedPosition.TryParse(text, out _).ShouldBeFalse();
        Should.Throw<FormatException>(() => FeedPosition.Parse(text));
    }
}
