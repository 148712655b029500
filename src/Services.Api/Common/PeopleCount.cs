using System.Globalization;

namespace Services.Api.Common;

/// <summary>
/// A count of people as a string: what the indicators and the demand show. Shared readers get <see cref="Shown"/>, so
/// that no figure singles out a person; readers who see the underlying bookings anyway (the operator) may get <see cref="Exact"/>.
/// </summary>
public static class PeopleCount
{
    public const int SmallestShown = 5;

    /// <summary>What a count below <see cref="SmallestShown"/> (0 included) reads as.</summary>
    public const string Masked = "<5";

    /// <summary>The wire shape: a figure (exact or from 5 up) or <see cref="Masked"/>.</summary>
    public const string Pattern = "^(<5|0|[1-9][0-9]*)$";

    public static string Shown(long count) => count < SmallestShown ? Masked : Exact(count);

    public static string Exact(long count) => count.ToString(CultureInfo.InvariantCulture);
}
