namespace Services.Api.Common;

/// <summary>
/// An amount in minor units (cents) of a currency; only EUR is accepted today. Open in the contract,
/// since answers carry it and may gain fields; a request that sends a field it does not know is refused.
/// </summary>
/// <param name="Amount">The amount in minor units: cents for EUR (1250 = €12.50).</param>
/// <param name="Currency">The ISO 4217 currency code; EUR only, today.</param>
public sealed record Money(long Amount, string Currency)
{
    public const string Euro = "EUR";

    public static Money Euros(long cents) => new(cents, Euro);
}
