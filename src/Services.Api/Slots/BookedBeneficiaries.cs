using System.Collections.Immutable;

namespace Services.Api.Slots;

/// <summary>
/// Who a slot's live bookings (confirmed or waiting) are for, as each company names them: one
/// beneficiary holds at most one of them, so a retry or a second manager cannot book them twice.
/// Seats held before their events named the beneficiary (November 2026) are not here: they block nobody.
/// </summary>
public sealed class BookedBeneficiaries
{
    public static readonly BookedBeneficiaries None = new(
        ImmutableDictionary.Create<(string CompanyId, string BeneficiaryRef), string>(),
        ImmutableDictionary.Create<string, (string CompanyId, string BeneficiaryRef)>(StringComparer.Ordinal));

    // Both ways: a booking decision looks a beneficiary up, a release knows only the booking.
    private readonly ImmutableDictionary<(string CompanyId, string BeneficiaryRef), string> _bookingOf;
    private readonly ImmutableDictionary<string, (string CompanyId, string BeneficiaryRef)> _beneficiaryOf;

    private BookedBeneficiaries(
        ImmutableDictionary<(string CompanyId, string BeneficiaryRef), string> bookingOf,
        ImmutableDictionary<string, (string CompanyId, string BeneficiaryRef)> beneficiaryOf)
    {
        _bookingOf = bookingOf;
        _beneficiaryOf = beneficiaryOf;
    }

    /// <summary>The live booking of the company's beneficiary on this slot, if any.</summary>
    public string? BookingOf(string companyId, string beneficiaryRef) => _bookingOf.GetValueOrDefault((companyId, beneficiaryRef));

    public BookedBeneficiaries Book(string bookingId, string companyId, string? beneficiaryRef) =>
        beneficiaryRef is null ? this : new(_bookingOf.SetItem((companyId, beneficiaryRef), bookingId), _beneficiaryOf.SetItem(bookingId, (companyId, beneficiaryRef)));

    public BookedBeneficiaries Release(string bookingId) =>
        _beneficiaryOf.TryGetValue(bookingId, out var beneficiary) ? new(_bookingOf.Remove(beneficiary), _beneficiaryOf.Remove(bookingId)) : this;
}
