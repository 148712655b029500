using System.Diagnostics;
using System.Net;

namespace Services.Reliability;

/// <summary>
/// Part 2: stop PostgreSQL under a booking load (fast, then immediate, alternately). While it is down every answer must be
/// 503 with Retry-After and readiness red; after it is back, pg_restart_recovery_s is the time from
/// its first accepted connection to both readiness 200 and the first booking answered 201.
/// </summary>
internal static class DatabaseRestartPart
{
    public static async Task<bool> RunAsync(Suite suite)
    {
        var node = suite.Nodes[0];
        var load = BookingLoad.Start(suite.Market, "dbrestart", [node.Url]);
        var worstRecovery = 0.0;
        int outageAnswers = 0, badAnswers = 0, readyWhileDown = 0;
        for (var restart = 1; restart <= suite.Options.DatabaseRestarts; restart++)
        {
            await load.BookSomeAsync();
            var immediate = restart % 2 == 0;
            await suite.Database.StopAsync(immediate);
            var down = Stopwatch.GetTimestamp();
            Progress.Log($"restart {restart}/{suite.Options.DatabaseRestarts}: PostgreSQL stopped ({(immediate ? "immediate" : "fast")})");
            // Keep it down for the outage, and until the clients have seen it.
            while (Stopwatch.GetElapsedTime(down) < suite.Options.Outage || AnsweredBetween(load, down, Stopwatch.GetTimestamp()).Count < 5)
            {
                if (Stopwatch.GetElapsedTime(down) > SuiteOptions.StepLimit) throw new TimeoutException("No answers reached the clients while the database was down.");
                if (await node.ReadinessAsync() == HttpStatusCode.OK) readyWhileDown++;
                await Task.Delay(100);
            }
            var during = AnsweredBetween(load, down, Stopwatch.GetTimestamp());
            var bad = during.Count(a => a.Status != (int)HttpStatusCode.ServiceUnavailable || !a.HasRetryAfter);
            (outageAnswers, badAnswers) = (outageAnswers + during.Count, badAnswers + bad);
            Progress.Log($"restart {restart}: {during.Count} answers while down ({string.Join(", ", during.GroupBy(a => a.Status).Select(g => $"{g.Key}: {g.Count()}"))}), {bad} not 503 with Retry-After");

            var accepting = await suite.Database.StartAsync();
            var recovery = await RecoveryAsync(node, load, accepting);
            worstRecovery = Math.Max(worstRecovery, recovery);
            Progress.Log($"restart {restart}: PostgreSQL accepting; ready and booking again {recovery:0.00} s later");
        }
        var audit = await suite.FinishAsync(load, node.Url);
        suite.Report.Figure("pg_restarts", suite.Options.DatabaseRestarts);
        suite.Report.Figure("pg_restart_recovery_s", Math.Round(worstRecovery, 2));
        suite.Report.Figure("outage_answers", outageAnswers);
        suite.Report.Figure("outage_bad_answers", badAnswers);
        suite.Report.Figure("ready_while_down", readyWhileDown);
        return audit.Passed && badAnswers == 0 && readyWhileDown == 0 && worstRecovery <= SuiteOptions.RecoveryTargetSeconds;
    }

    /// <summary>Answers to requests sent after <paramref name="from"/> and answered before <paramref name="to"/>.</summary>
    private static List<Answer> AnsweredBetween(BookingLoad load, long from, long to) =>
        load.Answers.Where(a => a.SentAt >= from && a.AnsweredAt <= to && a.Status != 0).ToList();

    /// <summary>Seconds from <paramref name="accepting"/> until readiness is 200 and a booking was answered 201.</summary>
    private static async Task<double> RecoveryAsync(ApiNode node, BookingLoad load, long accepting)
    {
        long? ready = null;
        await Progress.WaitUntilAsync(async () =>
        {
            if (ready is null && await node.IsReadyAsync()) ready = Stopwatch.GetTimestamp();
            return ready is not null && load.Answers.Any(a => a.Status == (int)HttpStatusCode.Created && a.AnsweredAt > accepting);
        }, SuiteOptions.StepLimit, TimeSpan.FromMilliseconds(50), "readiness and a booking after the restart");
        var booked = load.Answers.Where(a => a.Status == (int)HttpStatusCode.Created && a.AnsweredAt > accepting).Min(a => a.AnsweredAt);
        return Stopwatch.GetElapsedTime(accepting, Math.Max(ready!.Value, booked)).TotalSeconds;
    }
}
