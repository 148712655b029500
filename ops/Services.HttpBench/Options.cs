using System.Globalization;

namespace Services.HttpBench;

internal sealed record Options(
    string Api, int ApiPid, long Events, int GenWriters, double WarmupSeconds, double DurationSeconds,
    int HotRequests, int HotCapacity, double CatchUpTimeoutSeconds, string? PgbenchScript, int Rounds, int SliceSeconds)
{
    /// <summary>Booking phases: these many concurrent clients, one after the other.</summary>
    public static readonly int[] BookingClients = [8, 32];

    public const int ReadClients = 8;

    public static Options Parse(ReadOnlySpan<string> args)
    {
        var o = new Options("http://127.0.0.1:5180", 0, 1_000_000, 4, 5, 10, 1000, 20, 900, null, 5, 3);
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            double D() => double.Parse(v, CultureInfo.InvariantCulture);
            int I() => int.Parse(v, CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--api" => o with { Api = v.TrimEnd('/') },
                "--api-pid" => o with { ApiPid = I() },
                "--events" => o with { Events = long.Parse(v, CultureInfo.InvariantCulture) },
                "--gen-writers" => o with { GenWriters = I() },
                "--warmup" => o with { WarmupSeconds = D() },
                "--duration" => o with { DurationSeconds = D() },
                "--hot-requests" => o with { HotRequests = I() },
                "--hot-capacity" => o with { HotCapacity = I() },
                "--catchup-timeout" => o with { CatchUpTimeoutSeconds = D() },
                "--pgbench" => o with { PgbenchScript = v },
                "--rounds" => o with { Rounds = I() },
                "--slice" => o with { SliceSeconds = I() },
                _ => throw new ArgumentException($"unknown option {args[i]}"),
            };
        }
        return o;
    }
}
