using System.Diagnostics;
using System.Globalization;

namespace Services.Reliability;

/// <summary>Progress lines on stderr, stamped with the time since the suite started; stdout carries only the result.</summary>
internal static class Progress
{
    private static readonly long Started = Stopwatch.GetTimestamp();

    public static void Log(string message) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{Stopwatch.GetElapsedTime(Started).TotalSeconds,7:0.0}s] {message}"));

    public static double Seconds(TimeSpan span) => Math.Round(span.TotalSeconds, 2);

    /// <summary>Polls <paramref name="condition"/> every <paramref name="period"/> until it holds; throws when <paramref name="timeout"/> passes first.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, TimeSpan period, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0} s waiting for {what}.");
            await Task.Delay(period);
        }
    }
}
