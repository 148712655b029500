namespace Services.Api.Organizations;

/// <summary>A French establishment number: 14 digits whose Luhn sum is a multiple of 10.</summary>
public static class Siret
{
    // La Poste registered its post offices under one SIREN with numbers that predate the Luhn rule;
    // INSEE accepts them when the plain digit sum is a multiple of 5.
    private const string LaPosteSiren = "356000000";

    /// <summary>Its form; the check digit is not a pattern's to say.</summary>
    public const string Pattern = "^[0-9]{14}$";

    /// <summary>Why a SIRET is refused, for a request's errors.</summary>
    public const string Invalid = "Not a valid SIRET: 14 digits with a correct Luhn check digit.";

    public static bool IsValid(string siret) =>
        siret.Length == 14
        && siret.All(char.IsAsciiDigit)
        && (LuhnSum(siret) % 10 == 0 || (siret.StartsWith(LaPosteSiren, StringComparison.Ordinal) && siret.Sum(c => c - '0') % 5 == 0));

    private static int LuhnSum(string digits)
    {
        var sum = 0;
        for (var i = 0; i < digits.Length; i++)
        {
            var digit = digits[digits.Length - 1 - i] - '0';
            if (i % 2 == 1) digit = digit * 2 > 9 ? (digit * 2) - 9 : digit * 2;
            sum += digit;
        }
        return sum;
    }
}
