using Services.Api.Territories;

namespace Services.Api.Tests.Territories;

/// <summary>The refusal of a need or an offer where no club or partner is: it names the territories a typo most likely meant.</summary>
public sealed class TerritoryCoverageTests
{
    private static IReadOnlyList<string> Listed(string territory, IReadOnlyList<string> covered) =>
        (IReadOnlyList<string>)TerritoryCoverage.NotCovered(territory, covered, TerritoryCoverage.UnseenNeed).Facts!["coveredTerritories"];

    [Fact]
    public void A_few_covered_territories_are_all_listed_and_named_in_the_detail()
    {
        string[] covered = ["grand-figeac", "ouest-rhodanien", "vallee-du-lot"];

        var refusal = TerritoryCoverage.NotCovered("grand-figea", covered, TerritoryCoverage.UnseenNeed);

        refusal.Code.ShouldBe("territory_not_covered");
        refusal.Facts!["territory"].ShouldBe("grand-figea");
        Listed("grand-figea", covered).ShouldBe(covered);
        refusal.Detail.ShouldBe(
            "No club or partner belongs to territory 'grand-figea', so no one would see this need. " +
            "Territories with a club or a partner: grand-figeac, ouest-rhodanien, vallee-du-lot.");
    }

    [Fact]
    public void Among_many_covered_territories_the_nearest_in_spelling_are_listed_nearest_first()
    {
        var covered = Enumerable.Range(0, 20).Select(i => $"causse-{i:00}").Append("grand-figeac").Append("grand-figeac-est").Order(StringComparer.Ordinal).ToList();

        var listed = Listed("grand-figea", covered);

        listed.Count.ShouldBe(TerritoryCoverage.NearestListed);
        listed[0].ShouldBe("grand-figeac");
        listed[1].ShouldBe("grand-figeac-est");
        TerritoryCoverage.NotCovered("grand-figea", covered, TerritoryCoverage.UnseenNeed).Detail.ShouldContain("The nearest territories with a club or a partner: grand-figeac, grand-figeac-est,");
    }

    [Fact]
    public void With_no_covered_territory_at_all_the_detail_says_so()
    {
        var refusal = TerritoryCoverage.NotCovered("grand-figeac", [], TerritoryCoverage.UnseenNeed);

        Listed("grand-figeac", []).ShouldBeEmpty();
        refusal.Detail.ShouldEndWith("No territory has a club or a partner yet.");
    }

    [Fact]
    public void An_offer_is_refused_saying_why_for_an_offer()
    {
        TerritoryCoverage.NotCovered("grand-figea", ["grand-figeac"], TerritoryCoverage.UnfoundOffer).Detail.ShouldBe(
            "No club or partner belongs to territory 'grand-figea', so no company looking for offers in its own territory would find this offer there. " +
            "Territories with a club or a partner: grand-figeac.");
    }
}
