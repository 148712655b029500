namespace Services.EventStore.Tests;

public sealed class EventIdsTests
{
    private const long SomeMillisecond = 1_795_000_000_123;

    [Fact]
    public void An_id_is_a_version_7_uuid_led_by_its_millisecond()
    {
        var bytes = EventIds.NewId(SomeMillisecond).ToByteArray(bigEndian: true);

        var milliseconds = bytes[..6].Aggregate(0L, (value, b) => (value << 8) | b);
        milliseconds.ShouldBe(SomeMillisecond);
        (bytes[6] >> 4).ShouldBe(7);
        (bytes[8] >> 6).ShouldBe(0b10);
    }

    [Fact]
    public void Ids_sort_by_their_millisecond_as_PostgreSQL_sorts_uuids()
    {
        var ids = Enumerable.Range(0, 50).Select(i => EventIds.NewId(SomeMillisecond + i)).ToList();

        ids.Select(id => id.ToString("N")).ShouldBe(ids.Select(id => id.ToString("N")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Ids_of_one_millisecond_stay_distinct_over_many_draws_of_random_bytes()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => EventIds.NewId(SomeMillisecond)).ToList();

        ids.Distinct().Count().ShouldBe(ids.Count);
    }
}
