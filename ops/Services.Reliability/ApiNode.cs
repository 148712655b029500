using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Services.Reliability;

/// <summary>
/// One API process (<c>dotnet Services.Api.dll</c>, configured by environment as ops/run.sh does) on
/// 127.0.0.1:<c>port</c>. Its output goes to <c>node-{port}.log</c>; its pid to <c>node-{port}.pid</c>,
/// so that ops/reliability.sh can end it should this driver die first.
/// </summary>
internal sealed class ApiNode(int port, SuiteOptions options, IReadOnlyDictionary<string, string> environment) : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private Process? _process;
    private TextWriter? _log;

    public Uri Url { get; } = new($"http://127.0.0.1:{port}/");

    /// <summary>The pid of the last process started (kept after a kill, to recognize what it owned).</summary>
    public int ProcessId { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    private string PidFile => Path.Combine(options.LogDirectory, $"node-{port}.pid");

    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(options.ApiDll);
        // Its settings (appsettings.json: log levels) are next to the dll, not in this directory.
        start.ArgumentList.Add("--contentRoot");
        start.ArgumentList.Add(Path.GetDirectoryName(Path.GetFullPath(options.ApiDll))!);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(Url.ToString().TrimEnd('/'));
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var log = TextWriter.Synchronized(new StreamWriter(Path.Combine(options.LogDirectory, $"node-{port}.log"), append: true) { AutoFlush = true });
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) log.WriteLine(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) log.WriteLine(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        (_process, _log, ProcessId) = (process, log, process.Id);
        await File.WriteAllTextAsync(PidFile, process.Id.ToString(CultureInfo.InvariantCulture));
        await Progress.WaitUntilAsync(async () => process.HasExited
                ? throw new InvalidOperationException($"The API on port {port} exited with code {process.ExitCode}; see {options.LogDirectory}/node-{port}.log.")
                : await IsReadyAsync(),
            TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(100), $"the API on port {port} to be ready");
    }

    public async Task<bool> IsReadyAsync() => await ReadinessAsync() == HttpStatusCode.OK;

    /// <summary>The status of /health/ready, or null when nothing answered.</summary>
    public async Task<HttpStatusCode?> ReadinessAsync()
    {
        try
        {
            using var response = await Probe.GetAsync(new Uri(Url, "health/ready"));
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, sockets close as the kernel reaps the process.</summary>
    public async Task KillAsync()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _process = null;
        if (_log is not null) await _log.DisposeAsync();
        _log = null;
        File.Delete(PidFile);
    }

    /// <summary>Whether a shard owner id (<c>{machine}:{pid}:{suffix}</c>, see ProjectionHosting) names this node's process.</summary>
    public bool Owns(string? owner) =>
        owner?.Split(':') is [.., var pid, _] && pid == ProcessId.ToString(CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync() => await KillAsync();
}
