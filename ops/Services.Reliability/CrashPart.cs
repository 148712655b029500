namespace Services.Reliability;

/// <summary>
/// Part 1: under a booking load, SIGKILL the API at random moments and start it again; afterwards
/// every booking answered 201 exists, none twice, and the read models equal a rebuild's.
/// </summary>
internal static class CrashPart
{
    public static async Task<bool> RunAsync(Suite suite)
    {
        var node = suite.Nodes[0];
        var load = BookingLoad.Start(suite.Market, "crash", [node.Url]);
        var random = new Random();
        for (var crash = 1; crash <= suite.Options.Crashes; crash++)
        {
            await load.BookSomeAsync();
            // The random moment: somewhere within the next second of bookings.
            await Task.Delay(random.Next(1000));
            await node.KillAsync();
            Progress.Log($"crash {crash}/{suite.Options.Crashes}: API killed (SIGKILL) after {load.Acked.Count} acknowledged bookings");
            await node.StartAsync();
            Progress.Log($"crash {crash}/{suite.Options.Crashes}: API started again");
        }
        var audit = await suite.FinishAsync(load, node.Url);
        suite.Report.Figure("crashes", suite.Options.Crashes);
        return audit.Passed;
    }
}
