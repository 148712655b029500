using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Services.Api.Infrastructure;

namespace Services.Api.Beneficiaries;

/// <summary>
/// How to reach the beneficiary, for services that need it (the driver calls the passenger, the
/// spouse-welcome host writes to the new hire's partner). Personal data: stored only encrypted with a
/// key of this beneficiary's own, shown only to the booking company and the offer's club and providers,
/// and destroyed by <c>DELETE /v1/beneficiaries/{beneficiaryRef}</c>. At least one field. An empty or blank
/// field counts as left out, as forms send the fields nobody filled.
/// </summary>
public sealed partial record ContactDetails(string? Name = null, string? Email = null, string? Phone = null)
{
    public const int MaxName = 100;
    public const int MaxEmail = 254;
    public const int MaxPhone = 32;

    /// <summary>How the provider should address the person, up to 100 characters.</summary>
    [MaxLength(MaxName)]
    public string? Name { get; init => field = LeftOutIfBlank(value); } = LeftOutIfBlank(Name);

    /// <summary>An e-mail address, up to 254 characters.</summary>
    [MaxLength(MaxEmail)]
    public string? Email { get; init => field = LeftOutIfBlank(value); } = LeftOutIfBlank(Email);

    /// <summary>A phone number, international form preferred (<c>+33 6 12 34 56 78</c>): 6 to 15 digits, spaces, dots, hyphens, parentheses.</summary>
    [MaxLength(MaxPhone)]
    public string? Phone { get; init => field = LeftOutIfBlank(value); } = LeftOutIfBlank(Phone);

    private static string? LeftOutIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>The details as the field <paramref name="field"/> of a request (errors on contact, contact.name…).</summary>
    public Validation Validate(Validation validation, string field) => Validate(validation, field, $"{field}.", "(or leave contact out)");

    /// <summary>The details as a request's whole body (errors on body, name, email, phone).</summary>
    public Validation Validate(Validation validation) => Validate(validation, "body", "", "(to remove them all, DELETE them)");

    private Validation Validate(Validation validation, string whole, string prefix, string otherwise)
    {
        ArgumentNullException.ThrowIfNull(validation);
        if (Name is null && Email is null && Phone is null)
            return validation.Add(whole, $"Give at least one of name, email, phone {otherwise}.");
        validation.Text($"{prefix}name", Name, MaxName, required: false);
        if (validation.Text($"{prefix}email", Email, MaxEmail, required: false).IsValid && Email is not null && !EmailPattern().IsMatch(Email))
            validation.Add($"{prefix}email", "Not an e-mail address such as 'name@example.com'.");
        if (Phone is not null)
        {
            var digits = Phone.Count(char.IsAsciiDigit);
            if (Phone.Length > MaxPhone || !PhonePattern().IsMatch(Phone) || digits is < 6 or > 15)
                validation.Add($"{prefix}phone", "Not a phone number: 6 to 15 digits, optionally a leading '+', spaces, dots, hyphens or parentheses, e.g. '+33 6 12 34 56 78'.");
        }
        return validation;
    }

    [GeneratedRegex(@"^[^@\s\p{C}]{1,64}@[^@\s\p{C}]+\.[^@\s\p{C}]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"^\+?[0-9][0-9 .()-]*[0-9]$")]
    private static partial Regex PhonePattern();
}

/// <summary>
/// Contact details as events carry them: AES-GCM ciphertext (base64 of nonce, tag and ciphertext) under
/// the data key <see cref="KeyId"/> of one beneficiary. Once that key is destroyed nothing can open it.
/// </summary>
public sealed record SealedContact(string KeyId, string Ciphertext);

[JsonConverter(typeof(JsonStringEnumConverter<ContactStatus>))]
public enum ContactStatus
{
    /// <summary>The details are shown.</summary>
    [JsonStringEnumMemberName("available")] Available,

    /// <summary>The beneficiary was erased: the details are gone for good.</summary>
    [JsonStringEnumMemberName("erased")] Erased,

    /// <summary>Details exist but this reader may not see them (the operator, a provider of a booking not confirmed or a week after the slot started, the change feed, webhooks).</summary>
    [JsonStringEnumMemberName("withheld")] Withheld,
}

/// <summary>A booking's contact details as a reader sees them: the fields only when <see cref="Status"/> is available.</summary>
/// <param name="Status">available (the fields below are shown), erased (the beneficiary was erased: gone for good) or withheld (details exist, but this reader may not see them).</param>
/// <param name="Name">The name to ask for; null when not given, or when the status is not available.</param>
/// <param name="Email">An e-mail address; null when not given, or when the status is not available.</param>
/// <param name="Phone">A phone number, as given; null when not given, or when the status is not available.</param>
public sealed record BookingContact(ContactStatus Status, string? Name, string? Email, string? Phone)
{
    public static BookingContact Available(ContactDetails details)
    {
        ArgumentNullException.ThrowIfNull(details);
        return new(ContactStatus.Available, details.Name, details.Email, details.Phone);
    }

    public static readonly BookingContact Erased = new(ContactStatus.Erased, null, null, null);

    public static readonly BookingContact Withheld = new(ContactStatus.Withheld, null, null, null);
}
