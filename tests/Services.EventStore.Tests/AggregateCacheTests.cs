using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests;

public sealed class AggregateCacheTests(StoreFixture fixture) : IClassFixture<StoreFixture>, IAsyncLifetime
{
    private EventStore _cached = null!;
    private int _folded;

    public Task InitializeAsync()
    {
        _cached = new EventStore(fixture.DataSource, StoreFixture.NewRegistry(), cachedAggregates: 100);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _cached.DisposeAsync();

    private static string NewStream() => $"thing-{Guid.NewGuid():N}";

    private async Task<(string State, long Version)> FetchAsync(string stream, Func<string, object, string> evolve)
    {
        var fetched = await _cached.FetchForWritingAsync(stream, "", evolve);
        return (fetched.State, fetched.Version);
    }

    private string Sum(string state, object @event)
    {
        _folded++;
        return @event is Counted c ? $"{state}+{c.Number}" : state;
    }

    [Fact]
    public async Task A_second_fold_reads_only_what_was_appended_since_including_by_another_node()
    {
        var stream = NewStream();
        Func<string, object, string> evolve = Sum;
        await _cached.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(1), new Counted(2), new Counted(3)]);
        (await _cached.AggregateStreamAsync(stream, "", evolve)).ShouldBe(new Aggregated<string>("+1+2+3", 3));
        _folded.ShouldBe(3);

        await fixture.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(3), [new Counted(4)]);
        (await _cached.AggregateStreamAsync(stream, "", evolve)).ShouldBe(new Aggregated<string>("+1+2+3+4", 4));
        _folded.ShouldBe(4, "only the new event is folded");

        (await _cached.AggregateStreamAsync(stream, "", evolve)).ShouldBe(new Aggregated<string>("+1+2+3+4", 4));
        _folded.ShouldBe(4);
    }

    [Fact]
    public async Task Another_initial_state_or_another_fold_starts_from_the_first_event()
    {
        var stream = NewStream();
        Func<string, object, string> evolve = Sum;
        await _cached.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(1), new Counted(2)]);
        await _cached.AggregateStreamAsync(stream, "", evolve);

        (await _cached.AggregateStreamAsync(stream, "start", evolve)).State.ShouldBe("start+1+2");
        (await _cached.AggregateStreamAsync(stream, 0, (int total, object e) => total + ((Counted)e).Number)).State.ShouldBe(3);
    }

    [Fact]
    public async Task Past_its_capacity_the_cache_still_folds_every_stream_right()
    {
        Func<string, object, string> evolve = Sum;
        var streams = Enumerable.Range(0, 150).Select(_ => NewStream()).ToList();
        foreach (var (stream, i) in streams.Select((s, i) => (s, i)))
        {
            await _cached.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(i)]);
            await _cached.AggregateStreamAsync(stream, "", evolve);
        }
        foreach (var (stream, i) in streams.Select((s, i) => (s, i)))
        {
            await _cached.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new Counted(-i)]);
            (await _cached.AggregateStreamAsync(stream, "", evolve)).ShouldBe(new Aggregated<string>($"+{i}+{-i}", 2));
        }
    }
    [Fact]
    public async Task Fetching_for_writing_serves_the_cached_fold_and_the_append_on_it_catches_another_nodes_write()
    {
        var stream = NewStream();
        Func<string, object, string> evolve = Sum;
        await _cached.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(1)]);
        (await FetchAsync(stream, evolve)).ShouldBe(("+1", 1L), "not cached yet: read");
        await fixture.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new Counted(2)]);

        var stale = await _cached.FetchForWritingAsync(stream, "", evolve);
        (stale.State, stale.Version).ShouldBe(("+1", 1L), "served from the cache, without reading");
        var conflict = await Should.ThrowAsync<StreamVersionConflictException>(
            () => _cached.AppendAsync(stream, "thing", stale.Expected, [new Counted(3)]));
        conflict.ActualVersion.ShouldBe(2);

        (await FetchAsync(stream, evolve)).ShouldBe(("+1+2", 2L), "the conflict evicted the stale fold");
    }

    [Fact]
    public async Task An_append_through_the_store_moves_its_cached_fold_forward()
    {
        var stream = NewStream();
        Func<string, object, string> evolve = Sum;
        await _cached.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(1)]);
        await _cached.FetchForWritingAsync(stream, "", evolve);

        await _cached.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new Counted(2), new Counted(3)]);
        // Written behind the cache's back: a fetch that still shows only the first three proves it read nothing.
        await fixture.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(3), [new Counted(4)]);

        (await FetchAsync(stream, evolve)).ShouldBe(("+1+2+3", 3L));
        (await _cached.AggregateStreamAsync(stream, "", evolve)).ShouldBe(new Aggregated<string>("+1+2+3+4", 4), "a plain fold still reads what came after");
    }

    [Fact]
    public async Task A_refusal_decided_on_a_cached_fold_is_confirmed_before_it_is_given()
    {
        var stream = NewStream();
        Func<string, object, string> evolve = Sum;
        await _cached.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Counted(1)]);
        var fetched = await _cached.FetchForWritingAsync(stream, "", evolve);
        await _cached.CheckVersionsAsync(new Dictionary<string, ExpectedVersion> { [stream] = fetched.Expected });

        await fixture.Store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new Counted(2)]);
        var conflict = await Should.ThrowAsync<StreamVersionConflictException>(
            () => _cached.CheckVersionsAsync(new Dictionary<string, ExpectedVersion> { [stream] = fetched.Expected, [NewStream()] = ExpectedVersion.NoStream }));
        conflict.StreamId.ShouldBe(stream);
        (await FetchAsync(stream, evolve)).ShouldBe(("+1+2", 2L));
    }
}
