using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests;

public sealed class ValidationTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private sealed record NotRegistered(string What);

    /// <summary>Each case also appends a valid stream named <c>{prefix}-valid</c> in the same call where it can.</summary>
    private static readonly Dictionary<string, Func<EventStore, string, Task>> BadAppends = new()
    {
        ["empty stream id"] = (store, _) => store.AppendAsync("", "thing", ExpectedVersion.NoStream, [new Happened("a")]),
        ["whitespace stream id"] = (store, _) => store.AppendAsync("  \t ", "thing", ExpectedVersion.NoStream, [new Happened("a")]),
        ["null stream id"] = (store, _) => store.AppendAsync(null!, "thing", ExpectedVersion.NoStream, [new Happened("a")]),
        ["stream id over 200 characters"] = (store, p) => Both(store, p, new StreamAppend(p + new string('x', 201 - p.Length), "thing", ExpectedVersion.NoStream, [new Happened("a")])),
        ["null event"] = (store, p) => Both(store, p, new StreamAppend($"{p}-bad", "thing", ExpectedVersion.NoStream, [new Happened("a"), null!])),
        ["unregistered event type"] = (store, p) => Both(store, p, new StreamAppend($"{p}-bad", "thing", ExpectedVersion.NoStream, [new Happened("a"), new NotRegistered("b")])),
        ["empty event list"] = (store, p) => Both(store, p, new StreamAppend($"{p}-bad", "thing", ExpectedVersion.NoStream, [])),
        ["null event list"] = (store, p) => Both(store, p, new StreamAppend($"{p}-bad", "thing", ExpectedVersion.NoStream, null!)),
        ["whitespace stream type"] = (store, p) => Both(store, p, new StreamAppend($"{p}-bad", " ", ExpectedVersion.NoStream, [new Happened("a")])),
        ["one stream twice"] = (store, p) => Both(store, p, new StreamAppend($"{p}-valid", "thing", ExpectedVersion.Any, [new Happened("again")])),
        ["null stream append"] = (store, p) => Both(store, p, null!),
        ["no streams"] = (store, _) => store.AppendAsync([]),
        ["null stream list"] = (store, _) => store.AppendAsync((IReadOnlyList<StreamAppend>)null!),
        ["negative version"] = (store, p) => store.AppendAsync($"{p}-bad", "thing", ExpectedVersion.Exactly(-1), [new Happened("a")]),
        ["reading a whitespace stream id"] = (store, _) => store.ReadStreamAsync(" "),
        ["reading from a negative version"] = (store, p) => store.ReadStreamAsync($"{p}-valid", -1),
        ["reading an over-long stream id"] = (store, _) => store.ReadStreamAsync(new string('x', 201)),
    };

    public static TheoryData<string> Cases => [.. BadAppends.Keys];

    private static Task Both(EventStore store, string prefix, StreamAppend bad) =>
        store.AppendAsync([new StreamAppend($"{prefix}-valid", "thing", ExpectedVersion.NoStream, [new Happened("valid")]), bad]);

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_is_refused_before_the_database_is_touched(string name)
    {
        // No server listens there: reaching the database would fail with a connection error instead.
        await using var nowhere = EventStoreDataSource.Create("Host=127.0.0.1;Port=1;Username=nobody;Database=nothing;Timeout=2");
        await using var offline = new EventStore(nowhere, StoreFixture.NewRegistry());

        await Should.ThrowAsync<ArgumentException>(async () => await BadAppends[name](offline, $"bad-{Guid.NewGuid():N}"));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_commits_nothing_not_even_the_valid_streams_of_the_same_append(string name)
    {
        var prefix = $"bad-{Guid.NewGuid():N}";

        await Should.ThrowAsync<ArgumentException>(async () => await BadAppends[name](fixture.Store, prefix));

        (await Sql.CountAsync(fixture.DataSource, "select count(*) from es_events where starts_with(stream_id, $1)", prefix)).ShouldBe(0, "neither the valid stream nor the bad one");
    }

    [Fact]
    public async Task A_stream_id_of_exactly_200_characters_is_accepted()
    {
        var stream = $"long-{Guid.NewGuid():N}".PadRight(EventStore.MaxStreamIdLength, 'x');

        var result = await fixture.Store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Happened("a")]);

        result.VersionOf(stream).ShouldBe(1);
        (await fixture.Store.ReadStreamAsync(stream)).Single().StreamId.ShouldBe(stream);
    }
}
