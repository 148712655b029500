using Services.Api.Bookings;

namespace Services.Api.Usage;

/// <summary>
/// When a period's statements, deliveries and indicators stand. Until its last day has ended everywhere, subscriptions
/// may still start in it; then attendance of its slots may still be recorded or corrected for
/// <see cref="Booking.AttendanceCorrectionWindow"/>. After both, nothing recorded can change its figures.
/// </summary>
public static class FinalFigures
{
    public const string FinalFromDescription =
        "When the period's figures stand: 30 days (the attendance correction window) after its last day has ended in every time zone " +
        "(midnight at UTC−12, i.e. 12:00 UTC the next day). Until then subscriptions may still start in it and attendance may still be recorded or corrected, so figures may change.";

    public const string ProvisionalDescription = "True until finalFrom: the figures may still change (the period is in progress, or attendance of its slots may still be recorded or corrected). False: they stand.";

    /// <summary>A day ends last at UTC−12, the last time zone to reach midnight.</summary>
    private static readonly TimeSpan LastMidnightAfterUtc = TimeSpan.FromHours(12);

    /// <summary>When the figures of the period ending on <paramref name="lastDay"/> stand.</summary>
    public static DateTimeOffset From(DateOnly lastDay) =>
        new DateTimeOffset(lastDay.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + LastMidnightAfterUtc + Booking.AttendanceCorrectionWindow;
}
