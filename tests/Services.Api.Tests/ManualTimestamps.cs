namespace Services.Api.Tests;

/// <summary>A monotonic clock (what caches measure ages with) that moves only when told.</summary>
internal sealed class ManualTimestamps : TimeProvider
{
    private long _now;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _now);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _now, by.Ticks);
}
