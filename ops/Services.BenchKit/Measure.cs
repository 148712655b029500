using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Services.BenchKit;

public static class Stats
{
    /// <summary>The p-quantile of an ascending array (nearest rank); NaN when empty.</summary>
    public static double Percentile(double[] sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0) return double.NaN;
        var index = (int)Math.Ceiling(p * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    /// <summary>The middle value (the mean of the two middle ones for an even count); NaN when empty.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>Progress goes to stderr: stdout ends with the figures' JSON line.</summary>
    public static void Log(string message) => Console.Error.WriteLine(message);
}

/// <summary>CPU time of this process, and the busy share of the whole host (PostgreSQL and anything else running), over a window.</summary>
public sealed class HostCpu
{
    private readonly TimeSpan _client = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly (double Busy, double Total) _host = Host();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public static HostCpu Start() => new();

    public string Report(long operations)
    {
        var seconds = _clock.Elapsed.TotalSeconds;
        var client = (Process.GetCurrentProcess().TotalProcessorTime - _client).TotalSeconds;
        return $"CPU: this process {100 * client / seconds:F0}% of one core ({1e6 * client / Math.Max(1, operations):F0} us per operation), host {100 * BusySince():F0}% busy of {Environment.ProcessorCount} cores, load average {LoadAverage()}";
    }

    /// <summary>Busy share (0 to 1) of all the host's cores since the start.</summary>
    public double BusySince()
    {
        var host = Host();
        return host.Total > _host.Total ? (host.Busy - _host.Busy) / (host.Total - _host.Total) : 0;
    }

    public static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static (double Busy, double Total) Host()
    {
        var line = File.ReadLines("/proc/stat").First();
        var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var idle = f[3] + f[4];
        return (f.Sum() - idle, f.Sum());
    }
}

/// <summary>CPU seconds (user + system) from /proc/&lt;pid&gt;/stat, to tell who takes the cores.</summary>
public static class ProcessCpu
{
    private const double TicksPerSecond = 100; // USER_HZ

    /// <summary>One process; 0 when it has ended.</summary>
    public static double Seconds(int pid)
    {
        try
        {
            return Ticks(File.ReadAllText($"/proc/{pid}/stat")) / TicksPerSecond;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The postmaster of the server behind <paramref name="db"/> (the checkpointer's parent), or 0
    /// when that server does not run on this machine.
    /// </summary>
    public static async Task<int> PostmasterAsync(NpgsqlDataSource db)
    {
        ArgumentNullException.ThrowIfNull(db);
        await using var command = db.CreateCommand("select pid from pg_stat_activity where backend_type = 'checkpointer'");
        var checkpointer = await command.ExecuteScalarAsync() as int? ?? 0;
        try
        {
            return int.Parse(Fields(File.ReadAllText($"/proc/{checkpointer}/stat"))[1], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>
    /// The postmaster <paramref name="postmaster"/> and its children: one cluster's processes, not
    /// the other clusters running on the machine. A backend that exits takes its time away: sample
    /// while the connections are open, or compare snapshots (<see cref="PostgresSecondsBetween"/>).
    /// </summary>
    public static double PostgresSeconds(int postmaster) => PostgresSnapshot(postmaster).Values.Sum();

    /// <summary>CPU seconds of each process of the cluster so far, by pid.</summary>
    public static Dictionary<int, double> PostgresSnapshot(int postmaster)
    {
        var seconds = new Dictionary<int, double>();
        if (postmaster <= 0) return seconds;
        var parent = postmaster.ToString(CultureInfo.InvariantCulture);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var pid = int.Parse(stat.AsSpan(0, stat.IndexOf(' ', StringComparison.Ordinal)), CultureInfo.InvariantCulture);
                if (Fields(stat)[1] != parent && pid != postmaster) continue;
                seconds[pid] = Ticks(stat) / TicksPerSecond;
            }
            catch (IOException) { /* the process ended, or not a process */ }
            catch (UnauthorizedAccessException) { }
            catch (FormatException) { /* not a process directory */ }
        }
        return seconds;
    }

    /// <summary>
    /// The CPU seconds spent between two snapshots by the processes alive at the second one. A
    /// backend that exited in between (a previous client's, still closing at the first snapshot)
    /// counts for nothing: a difference of sums would subtract all the time it had used before.
    /// </summary>
    public static double PostgresSecondsBetween(IReadOnlyDictionary<int, double> before, IReadOnlyDictionary<int, double> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        return after.Sum(process => process.Value - before.GetValueOrDefault(process.Key));
    }

    /// <summary>The fields after the command name (which may hold spaces): [0] state, [1] parent pid, [11] utime, [12] stime.</summary>
    private static string[] Fields(string stat) => stat[(stat.LastIndexOf(')') + 2)..].Split(' ');

    private static double Ticks(string stat)
    {
        var fields = Fields(stat);
        return double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture);
    }
}
