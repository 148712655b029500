using System.Globalization;
using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace Services.Allocations;

/// <summary>
/// Who allocates what, from a trace of the runtime's allocation samples (one event per ~100 KB
/// allocated, with its type and stack), taken by
/// <c>dotnet-trace collect -p PID --providers Microsoft-Windows-DotNETRuntime:0x1:5 --duration 00:00:00:08 -o alloc.nettrace</c>
/// (see ops/PERFORMANCE.md). Prints the types that take most of the bytes, then the stacks that
/// allocate them (optionally of one type only), each cut to its first frames outside the runtime's
/// async and threading plumbing.
/// </summary>
public static class Program
{
    private const int Shown = 25;

    public static int Main(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Services.Allocations <trace.nettrace> [type name] [frames per stack, default 6]");
            return 2;
        }
        var type = args.Length > 1 && args[1].Length > 0 ? args[1] : null;
        var frames = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 6;
        using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        var byStack = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var traced in log.Events)
        {
            if (traced is not GCAllocationTickTraceData sample) continue;
            byType[sample.TypeName] = byType.GetValueOrDefault(sample.TypeName) + sample.AllocationAmount64;
            if (type is null || sample.TypeName == type)
            {
                var stack = Stack(sample, frames);
                byStack[stack] = byStack.GetValueOrDefault(stack) + sample.AllocationAmount64;
            }
        }
        Print($"bytes sampled by type (of {byType.Values.Sum() / 1048576.0:F0} MB)", byType);
        Print(type is null ? "bytes sampled by stack" : $"bytes of {type} sampled by stack", byStack);
        return 0;
    }

    private static string Stack(GCAllocationTickTraceData sample, int frames)
    {
        var names = new List<string>();
        for (var frame = sample.CallStack(); frame is not null && names.Count < frames; frame = frame.Caller)
        {
            var name = frame.CodeAddress.FullMethodName;
            if (string.IsNullOrEmpty(name) || name.StartsWith("System.Runtime.CompilerServices.", StringComparison.Ordinal) || name.StartsWith("System.Threading.", StringComparison.Ordinal)) continue;
            names.Add(name.Length > 120 ? name[..120] : name);
        }
        return string.Join("\n         <- ", names);
    }

    private static void Print(string title, Dictionary<string, long> bytes)
    {
        var total = bytes.Values.Sum();
        Console.WriteLine(title);
        foreach (var (key, value) in bytes.OrderByDescending(entry => entry.Value).Take(Shown))
            Console.WriteLine($"  {100.0 * value / total,5:F1}%  {key}");
    }
}
