namespace Services.Api.Common;

/// <summary>
/// An amount in minor units (cents) of a currency; only EUR is accepted today. Open in the contract,
/// since answers carry it and may gain fields; a request that sends a field it does not know is refused.
/// </summary>
public sealed record Money(long Amount, string Currency)
{
    public const string Euro = "EUR";

    public static Money Euros(long cents) => new(cents, Euro);
}
