using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
namespace Services.BenchKit;

/// <summary>
/// pgbench's equivalent transaction (the script ops/bench.sh writes) for one slice, as the yardstick
/// of the appends or bookings measured right before it. Connection settings come from the PG*
/// variables ops/bench.sh exports.
/// </summary>
public static partial class Pgbench
{
    /// <summary>Transactions per second; PostgreSQL's CPU seconds over the slice's middle, and the transactions in that window.</summary>
    public sealed record Slice(double Tps, double PostgresCpuSeconds, double Transactions);

    public static async Task<Slice> RunAsync(string script, string database, int clients, int seconds, int postmaster)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(seconds, 2); // whole seconds (-T), and a window inside
        var start = new ProcessStartInfo("pgbench") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-n", "-f", script, "-c", Invariant(clients), "-j", Invariant(Math.Min(clients, 2)), "-T", Invariant(seconds), database })
            start.ArgumentList.Add(argument);
        using var pgbench = Process.Start(start) ?? throw new InvalidOperationException("pgbench did not start");
        var output = pgbench.StandardOutput.ReadToEndAsync();
        var errors = pgbench.StandardError.ReadToEndAsync();
        // PostgreSQL's CPU is sampled while pgbench's backends live (a backend gone at the second
        // snapshot does not count), from its connections being made to just before its end.
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        var before = ProcessCpu.PostgresSnapshot(postmaster);
        var window = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds - 0.8));
        var cpu = ProcessCpu.PostgresSecondsBetween(before, ProcessCpu.PostgresSnapshot(postmaster));
        var windowSeconds = window.Elapsed.TotalSeconds;
        using (var patience = new CancellationTokenSource(TimeSpan.FromSeconds(seconds + 60)))
        {
            try
            {
                await pgbench.WaitForExitAsync(patience.Token);
            }
            catch (OperationCanceledException)
            {
                pgbench.Kill(entireProcessTree: true);
                throw new TimeoutException($"pgbench still ran {seconds + 60} s after it started: {await errors}");
            }
        }
        var tps = Tps().Match(await output);
        if (pgbench.ExitCode != 0 || !tps.Success)
            throw new InvalidOperationException($"pgbench failed (exit {pgbench.ExitCode}): {await errors}");
        var rate = double.Parse(tps.Groups[1].Value, CultureInfo.InvariantCulture);
        return new Slice(rate, cpu, rate * windowSeconds);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^tps = ([0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex Tps();
}
