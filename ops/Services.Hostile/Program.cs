using System.Globalization;
using System.Text.Json.Nodes;
using Services.Hostile;

// Hostile-input suite (issue 7, parts 4 and 5) against a running API:
//   Services.Hostile --api <url> --operator-key <key> [--quick] [--seed <n>] [--requests <n>]
// Progress goes to stderr; the last stdout line is the JSON summary; exit code 0 iff nothing leaked or failed.
// The API should run with RateLimits__Burst / RateLimits__PerSecond high enough for the load (see README),
// otherwise 429s are waited out and the run is slower, not wrong.

var options = Options.Parse(args);
if (options is null)
{
    Console.Error.WriteLine("usage: Services.Hostile --api <url> --operator-key <key> [--quick] [--seed <n>] [--requests <n>]");
    return 2;
}

using var wire = new Wire(options.Api, TimeSpan.FromSeconds(10));
Console.Error.WriteLine($"hostile: {options.Api} seed {options.Seed} ({(options.Quick ? "quick" : "full")} run, {options.Requests} fuzz requests)");
try
{
    var document = await ApiDocument.LoadAsync(wire, options.OperatorKey);
    var world = await World.BuildAsync(wire, options.OperatorKey, fuzzKeysPerOrg: 3);
    var (cases, leaks) = await new AuthorizationMatrix(document, world, wire).RunAsync();
    var fuzz = await new Fuzzer(document, world, wire).RunAsync(options.Seed, options.Requests);
    await world.RemoveWebhooksAsync(wire);
    Console.Error.WriteLine($"hostile: {wire.RateLimited} answers 429 waited out");
    var summary = new JsonObject
    {
        ["authz_cases"] = cases,
        ["authz_leaks"] = leaks,
        ["fuzz_requests"] = fuzz.Requests,
        ["fuzz_5xx"] = fuzz.ServerErrors,
        ["fuzz_hangs"] = fuzz.Hangs,
        ["fuzz_not_problem"] = fuzz.NotProblem,
    };
    Console.WriteLine(summary.ToJsonString());
    return leaks == 0 && fuzz.ServerErrors == 0 && fuzz.Hangs == 0 && fuzz.NotProblem == 0 ? 0 : 1;
}
catch (InvalidOperationException failure)
{
    Console.Error.WriteLine("hostile: FAILED: " + failure.Message);
    return 1;
}

internal sealed record Options(Uri Api, string OperatorKey, bool Quick, int Seed, int Requests)
{
    public static Options? Parse(string[] args)
    {
        string? api = null, key = null;
        bool quick = false;
        int? seed = null, requests = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : "";
            switch (args[i])
            {
                case "--api": api = Next(); break;
                case "--operator-key": key = Next(); break;
                case "--quick": quick = true; break;
                case "--seed": seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--requests": requests = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default: return null;
            }
        }
        if (api is null || string.IsNullOrEmpty(key) || !Uri.TryCreate(api, UriKind.Absolute, out var uri)) return null;
        return new Options(uri, key, quick, seed ?? 20261122, requests ?? (quick ? 2_000 : 10_000));
    }
}
