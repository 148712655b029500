using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Services.Reliability;

/// <summary>
/// Parts 4-5 live in ops/Services.Hostile (authorization matrix, fuzzing): run against a healthy
/// node when ops/reliability.sh found and built it. Its last stdout line is its JSON result; it
/// exits 0 when all its failure counts are 0.
/// </summary>
internal static class Hostile
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(20);

    public static async Task<(JsonObject Figures, bool Passed)> RunAsync(string dll, Uri api, string operatorKey, bool quick)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { dll, "--api", api.ToString().TrimEnd('/'), "--operator-key", operatorKey }) start.ArgumentList.Add(argument);
        if (quick) start.ArgumentList.Add("--quick");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"{dll} did not finish within {Limit.TotalMinutes:0} minutes.");
        }
        var last = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        var figures = last is null ? null : JsonNode.Parse(last) as JsonObject;
        return (figures ?? throw new InvalidOperationException($"{dll} printed no JSON result."), process.ExitCode == 0);
    }
}
