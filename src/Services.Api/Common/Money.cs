namespace Services.Api.Common;

/// <summary>An amount in minor units (cents) of a currency; only EUR is accepted today.</summary>
public sealed record Money(long Amount, string Currency)
{
    public const string Euro = "EUR";

    public static Money Euros(long cents) => new(cents, Euro);
}
