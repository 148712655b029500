using System.Text.Json;
using Services.Api.Infrastructure;

namespace Services.Api.Tests.Instants;

/// <summary>Instants are kept to the microsecond, as PostgreSQL keeps them, wherever they come from.</summary>
public sealed class MicrosecondInstantsTests
{
    [Theory]
    [InlineData("\"2026-11-23T07:30:00.1234567Z\"", "2026-11-23T07:30:00.123456Z")]
    [InlineData("\"2026-11-23T08:30:00.9999999+01:00\"", "2026-11-23T07:30:00.999999Z")]
    [InlineData("\"2026-11-23T07:30:00Z\"", "2026-11-23T07:30:00Z")]
    public void An_instant_read_from_json_keeps_its_microseconds_and_drops_what_is_finer(string json, string written)
    {
        var options = Json.ForEvents();

        var read = JsonSerializer.Deserialize<DateTimeOffset>(json, options);

        JsonSerializer.Serialize(read, options).ShouldBe($"\"{written}\"");
    }

    [Fact]
    public void The_clock_commands_stamp_events_with_ticks_in_whole_microseconds()
    {
        var clock = new MicrosecondClock();

        var stamps = Enumerable.Range(0, 1000).Select(_ => clock.GetUtcNow()).ToList();

        stamps.ShouldAllBe(stamp => stamp.Ticks % TimeSpan.TicksPerMicrosecond == 0);
        stamps.ShouldBeInOrder();
        (stamps[^1] - DateTimeOffset.UtcNow).Duration().ShouldBeLessThan(TimeSpan.FromSeconds(5));
    }
}
