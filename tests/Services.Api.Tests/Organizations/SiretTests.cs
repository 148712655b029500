using Services.Api.Organizations;

namespace Services.Api.Tests.Organizations;

public sealed class SiretTests
{
    [Theory]
    [InlineData("73282932000074")]
    [InlineData("35600000000048")]
    public void A_siret_with_a_correct_Luhn_check_digit_is_valid(string siret) => Siret.IsValid(siret).ShouldBeTrue();

    [Fact]
    public void A_siret_with_a_wrong_Luhn_check_digit_is_invalid() => Siret.IsValid("73282932000075").ShouldBeFalse();

    [Fact]
    public void A_La_Poste_siret_is_valid_when_its_digit_sum_is_a_multiple_of_five() => Siret.IsValid("35600000000001").ShouldBeTrue();

    [Fact]
    public void A_La_Poste_siret_failing_both_checks_is_invalid() => Siret.IsValid("35600000000002").ShouldBeFalse();

    [Fact]
    public void The_digit_sum_rule_is_for_La_Poste_only() => Siret.IsValid("73282932000004").ShouldBeFalse();

    [Theory]
    [InlineData("7328293200007")]
    [InlineData("732829320000740")]
    [InlineData("7328293200007A")]
    [InlineData("73282932 00074")]
    [InlineData("")]
    public void A_siret_is_exactly_fourteen_digits(string siret) => Siret.IsValid(siret).ShouldBeFalse();
}
