using System.Security.Cryptography;
using Services.Reliability;

// The reliability suite (issue 7, parts 1-3, plus ops/Services.Hostile when present). Progress goes
// to stderr; the last stdout line is the JSON result; the exit code is 0 only when every target is met.
var options = SuiteOptions.Parse(args);
Directory.CreateDirectory(options.LogDirectory);
var operatorKey = "svc_operator_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
var environment = new Dictionary<string, string>(StringComparer.Ordinal)
{
    ["ConnectionStrings__Postgres"] = options.ConnectionString,
    ["Auth__OperatorKey"] = operatorKey,
    // Shared by every node: each must read what another encrypted.
    ["Secrets__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    ["Demo__Enabled"] = "false",
    ["ASPNETCORE_ENVIRONMENT"] = "Production",
    // The suite is about faults, not rate limits: its clients must not be throttled.
    ["RateLimits__Burst"] = "100000",
    ["RateLimits__PerSecond"] = "100000",
    ["Logging__LogLevel__Default"] = "Warning",
    // Three nodes, PostgreSQL and this driver share two cores: one GC heap per node.
    ["DOTNET_gcServer"] = "0",
};
var nodes = Enumerable.Range(0, SuiteOptions.Nodes).Select(i => new ApiNode(options.FirstPort + i, options, environment)).ToList();
var report = new Report(options.Quick);
try
{
    await nodes[0].StartAsync();
    var market = await Marketplace.CreateAsync(nodes[0].Url, operatorKey, SuiteOptions.Clients);
    var database = new Database(options);
    var shards = new Shards(operatorKey);
    var suite = new Suite(options, nodes, database, market, shards, new Audit(market, shards, database), report);
    Progress.Log($"marketplace ready: {market.Companies.Count} companies, {market.SlotIds.Count} slots; {(options.Quick ? "quick" : "full")} run");
    await RunPartAsync("crash", () => CrashPart.RunAsync(suite));
    await RunPartAsync("database_restart", () => DatabaseRestartPart.RunAsync(suite));
    await RunPartAsync("nodes", () => NodesPart.RunAsync(suite));
    if (options.HostileDll is null)
    {
        report.Skipped("hostile");
    }
    else
    {
        await RunPartAsync("hostile", async () =>
        {
            var healthy = nodes.First(n => n.IsRunning);
            var (figures, passed) = await Hostile.RunAsync(options.HostileDll, healthy.Url, operatorKey, options.Quick);
            report.Merge(figures);
            return passed;
        });
    }
}
catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or HttpRequestException)
{
    report.Failed("setup", ex);
}
finally
{
    foreach (var node in nodes) await node.DisposeAsync();
}
Console.WriteLine(report.ToJson().ToJsonString());
return report.Passed ? 0 : 1;

async Task RunPartAsync(string name, Func<Task<bool>> part)
{
    Progress.Log($"part {name}: start");
    try
    {
        var passed = await part();
        report.Part(name, passed);
        Progress.Log($"part {name}: {(passed ? "passed" : "FAILED")}");
    }
#pragma warning disable CA1031 // A part that breaks fails; the next parts still run and the result is still printed.
    catch (Exception ex)
#pragma warning restore CA1031
    {
        report.Failed(name, ex);
        Progress.Log($"part {name}: FAILED with {ex}");
    }
}
