using System.ComponentModel.DataAnnotations;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Services.Api.Infrastructure;

/// <summary>
/// Configuration sections bound to options classes and checked before the API starts: a value outside
/// the range its property declares stops the start with a message naming the setting as an operator
/// writes it (Webhooks:Jitter) and the range, instead of a first request or a background loop that
/// fails on it later, or a clamp that quietly runs with another value than the one configured.
/// </summary>
public static class Settings
{
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, string section) where T : class
    {
        services.AddSingleton<IValidateOptions<T>>(new SettingsValidation<T>(section));
        return services.AddOptions<T>().BindConfiguration(section).ValidateOnStart();
    }
}

/// <summary>
/// The data annotations of each property of <typeparamref name="T"/>, reported under its configuration
/// key; then, once each is in range, the rules across them (<see cref="IValidatableObject"/>).
/// </summary>
internal sealed class SettingsValidation<T>(string section) : IValidateOptions<T> where T : class
{
    public ValidateOptionsResult Validate(string? name, T options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var property in typeof(T).GetProperties())
        {
            var value = property.GetValue(options);
            var results = new List<ValidationResult>();
            var context = new ValidationContext(options) { MemberName = property.Name, DisplayName = $"{section}:{property.Name}" };
            if (!Validator.TryValidateProperty(value, context, results))
                failures.AddRange(results.Select(result => string.Create(CultureInfo.InvariantCulture, $"{result.ErrorMessage} It is {value}.")));
        }
        if (failures.Count == 0 && options is IValidatableObject whole)
            failures.AddRange(whole.Validate(new ValidationContext(options)).Select(result => result.ErrorMessage ?? ""));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
