using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Services.Reliability;

/// <summary>
/// The suite's result, printed as one JSON line: totals of every part's audit (the worst audit for the
/// seat invariants, which each audit checks over the whole marketplace), each part's figures,
/// <c>part_{name}</c> = passed | failed | skipped (ops/test.sh counts them as tests), and the
/// hostile-input console's fields when it ran.
/// </summary>
internal sealed class Report(bool quick)
{
    private readonly long _started = Stopwatch.GetTimestamp();
    private readonly List<AuditResult> _audits = [];
    private readonly JsonObject _figures = new()
    {
        ["pg_restart_recovery_s"] = null,
        ["failover_s"] = null,
    };
    private readonly JsonObject _parts = [];
    private readonly JsonObject _errors = [];

    public bool Passed => _parts.All(part => (string?)part.Value != "failed");

    public void Audited(AuditResult audit) => _audits.Add(audit);

    public void Figure(string name, JsonNode? value) => _figures[name] = value;

    public void Part(string name, bool passed) => _parts["part_" + name] = passed ? "passed" : "failed";

    public void Skipped(string name) => _parts["part_" + name] = "skipped";

    public void Failed(string name, Exception error)
    {
        Part(name, passed: false);
        _errors[name] = $"{error.GetType().Name}: {error.Message}";
    }

    public void Merge(JsonObject fields)
    {
        foreach (var (name, value) in fields) _figures[name] = value?.DeepClone();
    }

    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["acked"] = _audits.Sum(a => a.Acked),
            ["lost"] = _audits.Sum(a => a.Lost),
            ["duplicates"] = _audits.Sum(a => a.Duplicates),
            ["in_doubt"] = _audits.Sum(a => a.InDoubt),
            ["in_doubt_saved"] = _audits.Sum(a => a.InDoubtSaved),
            ["in_doubt_lost"] = _audits.Sum(a => a.InDoubtLost),
            ["refused"] = _audits.Sum(a => a.Refused),
            ["server_errors"] = _audits.Sum(a => a.ServerErrors),
            ["rebuild_mismatches"] = _audits.Sum(a => a.RebuildMismatches),
            // Every audit checks every slot and subscription: the worst audit, not the sum, or one broken
            // slot would count once per part after it.
            ["overbooked"] = Worst(a => a.Seats.Overbooked),
            ["seat_mismatches"] = Worst(a => a.Seats.SeatMismatches),
            ["waitlist_mismatches"] = Worst(a => a.Seats.WaitlistMismatches),
            ["idle_seats"] = Worst(a => a.Seats.IdleSeats),
            ["usage_mismatches"] = Worst(a => a.Seats.UsageMismatches),
        };
        foreach (var (name, value) in _figures) json[name] = value?.DeepClone();
        foreach (var (name, value) in _parts) json[name] = value?.DeepClone();
        if (_errors.Count > 0) json["errors"] = _errors.DeepClone();
        json["mode"] = quick ? "quick" : "full";
        json["duration_s"] = Progress.Seconds(Stopwatch.GetElapsedTime(_started));
        return json;
    }

    private int Worst(Func<AuditResult, int> count) => _audits.Select(count).DefaultIfEmpty().Max();
}
