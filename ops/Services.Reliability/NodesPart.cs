using System.Diagnostics;
using System.Globalization;

namespace Services.Reliability;

/// <summary>
/// Part 3: three API processes on one database. Every projection shard is owned by exactly one
/// live node, as each node reports it; SIGKILL the node owning the most shards and measure
/// failover_s, the time until each of its shards is owned by a survivor and has moved on, while
/// clients keep booking through the survivors. No event may be applied twice: the read models
/// equal a rebuild's.
/// </summary>
internal static class NodesPart
{
    public static async Task<bool> RunAsync(Suite suite)
    {
        var nodes = suite.Nodes;
        await Task.WhenAll(nodes.Where(n => !n.IsRunning).Select(n => n.StartAsync()));
        Progress.Log($"{nodes.Count} nodes running");
        await WaitSpreadAsync(suite, nodes);
        Progress.Log($"{nodes.Count} nodes: every shard owned by exactly one of them, at most a fair share each");
        var load = BookingLoad.Start(suite.Market, "nodes", [.. nodes.Select(n => n.Url)]);
        var worstFailover = 0.0;
        for (var round = 1; round <= suite.Options.Failovers; round++)
        {
            await load.BookSomeAsync();
            var view = await suite.Shards.ListAsync(nodes[0].Url);
            var victim = nodes.MaxBy(n => view.Count(s => n.Owns(s.Owner)))!;
            var orphans = view.Where(s => victim.Owns(s.Owner)).ToDictionary(s => s.Name, s => s.Position, StringComparer.Ordinal);
            var survivors = nodes.Where(n => n != victim).ToList();
            var killed = Stopwatch.GetTimestamp();
            await victim.KillAsync();
            load.Retarget([.. survivors.Select(n => n.Url)]);
            Progress.Log($"failover {round}/{suite.Options.Failovers}: killed the node on port {victim.Url.Port} owning {orphans.Count} shards ({string.Join(", ", orphans.Keys)})");
            await Progress.WaitUntilAsync(async () => await TakenOverAsync(suite, survivors, orphans), SuiteOptions.StepLimit, TimeSpan.FromMilliseconds(50), "the survivors to take the shards over");
            var failover = Stopwatch.GetElapsedTime(killed).TotalSeconds;
            worstFailover = Math.Max(worstFailover, failover);
            Progress.Log($"failover {round}: its shards run and advance on the survivors {failover:0.00} s after the kill");
            if (round == suite.Options.Failovers) continue;
            await victim.StartAsync();
            Progress.Log($"failover {round}: the node on port {victim.Url.Port} started again");
            await WaitSpreadAsync(suite, nodes);
            load.Retarget([.. nodes.Select(n => n.Url)]);
            Progress.Log($"failover {round}: shards spread over the {nodes.Count} nodes again");
        }
        var audit = await suite.FinishAsync(load, nodes.First(n => n.IsRunning).Url);
        suite.Report.Figure("failovers", suite.Options.Failovers);
        suite.Report.Figure("failover_s", Math.Round(worstFailover, 2));
        return audit.Passed && worstFailover <= SuiteOptions.FailoverTargetSeconds;
    }

    /// <summary>
    /// Waits until, on every node's GET /v1/admin/projections, each shard's owner is exactly one of
    /// the nodes and no node holds more than its fair share (the daemon spreads shards).
    /// </summary>
    private static async Task WaitSpreadAsync(Suite suite, IReadOnlyList<ApiNode> nodes)
    {
        IReadOnlyList<ShardView> last = [];
        try
        {
            await Progress.WaitUntilAsync(async () =>
            {
                var views = await Task.WhenAll(nodes.Select(n => suite.Shards.ListAsync(n.Url)));
                last = views[0];
                var fairShare = (last.Count + nodes.Count - 1) / nodes.Count;
                return views.All(view => view.All(s => s.State == "running" && nodes.Count(n => n.Owns(s.Owner)) == 1)
                    && nodes.All(n => view.Count(s => n.Owns(s.Owner)) <= fairShare));
            }, SuiteOptions.StepLimit, TimeSpan.FromMilliseconds(100), "every shard to be owned by exactly one node, spread over the nodes");
        }
        catch (TimeoutException)
        {
            Progress.Log("shards: " + string.Join(", ", last.Select(s =>
                $"{s.Name} {nodes.FirstOrDefault(n => n.Owns(s.Owner))?.Url.Port.ToString(CultureInfo.InvariantCulture) ?? s.Owner ?? "unowned"} {s.State}")));
            throw;
        }
    }

    /// <summary>Every orphaned shard is owned by a survivor, runs, and has moved past where it was at the kill.</summary>
    private static async Task<bool> TakenOverAsync(Suite suite, IReadOnlyList<ApiNode> survivors, IReadOnlyDictionary<string, string> orphans)
    {
        var views = await Task.WhenAll(survivors.Select(n => suite.Shards.ListAsync(n.Url)));
        return views.All(view => view.Where(s => orphans.ContainsKey(s.Name))
            .All(s => s.State == "running" && survivors.Any(n => n.Owns(s.Owner)) && s.Position != orphans[s.Name]));
    }
}
