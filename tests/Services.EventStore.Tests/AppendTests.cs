namespace Services.EventStore.Tests;

public sealed class AppendTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly EventStore _store = fixture.Store;

    [Fact]
    public async Task A_new_stream_starts_at_version_one_and_reads_back_in_order()
    {
        var stream = $"thing-{Guid.NewGuid():N}";

        var result = await _store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new TestEvents.Happened("a"), new TestEvents.Counted(2)]);

        result.VersionOf(stream).ShouldBe(2);
        var events = await _store.ReadStreamAsync(stream);
        events.Select(e => e.StreamVersion).ShouldBe([1L, 2L]);
        events[0].Data.ShouldBe(new TestEvents.Happened("a"));
        events[1].Data.ShouldBe(new TestEvents.Counted(2));
        result.LastPosition.ShouldBe(events[1].Position);
    }

    [Fact]
    public async Task Appending_with_a_stale_expected_version_is_a_conflict_naming_stream_and_versions()
    {
        var stream = $"thing-{Guid.NewGuid():N}";
        await _store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new TestEvents.Happened("a"), new TestEvents.Happened("b")]);

        var conflict = await Should.ThrowAsync<StreamVersionConflictException>(
            () => _store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new TestEvents.Happened("c")]));

        conflict.StreamId.ShouldBe(stream);
        conflict.Expected.ShouldBe(ExpectedVersion.Exactly(1));
        conflict.ActualVersion.ShouldBe(2);
        (await _store.ReadStreamAsync(stream)).Count.ShouldBe(2);
    }
}
