using System.Collections.Immutable;

namespace Services.Api.Slots;

/// <summary>
/// Whom a slot's live bookings (confirmed or waiting) are for, as each company names them: one beneficiary holds
/// at most one of them, so a retry or a second manager cannot book them twice. One map entry per booking, looked up
/// on every booking decision (a slot may hold thousands); a release finds its key in the seat hold or waitlist entry,
/// which name the beneficiary too. Bookings made before their events named the beneficiary (November 2026) are not here: they block nobody.
/// </summary>
public sealed class BookedBeneficiaries
{
    public static readonly BookedBeneficiaries None = new(ImmutableDictionary.Create<(string CompanyId, string BeneficiaryRef), string>());

    private readonly ImmutableDictionary<(string CompanyId, string BeneficiaryRef), string> _bookingOf;

    private BookedBeneficiaries(ImmutableDictionary<(string CompanyId, string BeneficiaryRef), string> bookingOf) => _bookingOf = bookingOf;

    /// <summary>The live booking of the company's beneficiary on this slot, if any.</summary>
    public string? BookingOf(string companyId, string beneficiaryRef) => _bookingOf.GetValueOrDefault((companyId, beneficiaryRef));

    public BookedBeneficiaries Book(string companyId, string? beneficiaryRef, string bookingId) =>
        beneficiaryRef is null ? this : new(_bookingOf.SetItem((companyId, beneficiaryRef), bookingId));

    public BookedBeneficiaries Release(string companyId, string? beneficiaryRef, string bookingId) =>
        beneficiaryRef is not null && _bookingOf.TryGetValue((companyId, beneficiaryRef), out var booked) && booked == bookingId
            ? new(_bookingOf.Remove((companyId, beneficiaryRef)))
            : this;
}
