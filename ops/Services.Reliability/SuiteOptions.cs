using System.Globalization;

namespace Services.Reliability;

/// <summary>What ./ops/reliability.sh passes; the quick mode runs a shorter version of each part.</summary>
internal sealed record SuiteOptions(
    string ApiDll,
    string ConnectionString,
    string PgScript,
    int FirstPort,
    string LogDirectory,
    bool Quick,
    string? HostileDll)
{
    public const int Nodes = 3;

    /// <summary>Concurrent booking clients, one company each.</summary>
    public const int Clients = 6;

    public const double RecoveryTargetSeconds = 10;

    public const double FailoverTargetSeconds = 10;

    /// <summary>The bound of every wait for the system under test (a start, a recovery, a takeover, some bookings).</summary>
    public static readonly TimeSpan StepLimit = TimeSpan.FromSeconds(60);

    public int Crashes => Quick ? 3 : 10;

    public int DatabaseRestarts => Quick ? 1 : 3;

    public int Failovers => Quick ? 1 : 3;

    /// <summary>How long PostgreSQL stays down in each restart.</summary>
    public TimeSpan Outage => TimeSpan.FromSeconds(Quick ? 3 : 5);

    public static SuiteOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var quick = false;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--quick") quick = true;
            else if (args[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < args.Length) values[args[i][2..]] = args[++i];
            else throw new ArgumentException($"Unexpected argument '{args[i]}'.");
        }
        string Required(string name) => values.TryGetValue(name, out var value) ? value : throw new ArgumentException($"--{name} is required.");
        return new SuiteOptions(
            Required("api-dll"),
            Required("connection-string"),
            Required("pg-script"),
            int.Parse(Required("first-port"), CultureInfo.InvariantCulture),
            Required("log-dir"),
            quick,
            values.GetValueOrDefault("hostile-dll"));
    }
}
