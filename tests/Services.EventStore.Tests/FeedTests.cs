using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests;

public sealed class FeedTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly EventStore _store = fixture.Store;

    [Fact]
    public async Task A_reader_never_skips_an_event_whose_transaction_commits_after_later_ones()
    {
        var prefix = $"late-{Guid.NewGuid():N}";
        Func<RecordedEvent, bool> Mine = e => e.StreamId.StartsWith(prefix, StringComparison.Ordinal);
        await _store.AppendAsync($"{prefix}-early", "thing", ExpectedVersion.NoStream, [new Happened("early")]);
        var (early, cursor) = await Feed.ReadUntilAsync(_store, FeedPosition.Start, Mine, 1);
        early.Single().Data.ShouldBe(new Happened("early"));

        // A transaction appends and stays open, while later transactions append and commit.
        await using var held = await fixture.DataSource.OpenConnectionAsync();
        await using var transaction = await held.BeginTransactionAsync();
        var heldEvent = Guid.CreateVersion7();
        await RawAppend.ExecuteAsync(held, transaction, $"{prefix}-held", heldEvent, "happened", """{"what": "held"}""");
        var heldXid = await RawAppend.CurrentTransactionIdAsync(held, transaction);
        var later = new List<AppendResult>();
        for (var i = 0; i < 3; i++)
            later.Add(await _store.AppendAsync($"{prefix}-later-{i}", "thing", ExpectedVersion.NoStream, [new Happened($"later {i}")]));
        later.ShouldAllBe(r => r.LastPosition.TransactionId > heldXid);
        (await _store.ReadStreamAsync($"{prefix}-later-2")).Count.ShouldBe(1, "the later events are committed");

        // The reader stops before the open transaction: it returns nothing at or past it.
        var page = await _store.ReadFeedAsync(cursor, 1000);
        page.Events.ShouldAllBe(e => e.Position.TransactionId < heldXid);
        page.Events.ShouldNotContain(e => Mine(e));
        cursor = page.Next;
        (await _store.ReadHeadAsync()).TransactionId.ShouldBeLessThan(heldXid);
        // The last committed event is past it: what a reader waits for to know every commit made so far.
        (await _store.ReadLastCommittedAsync()).ShouldBe(later[^1].LastPosition);

        await transaction.CommitAsync();

        // Continuing from its cursor, the reader gets everything, in commit-order positions, exactly once.
        var (delivered, next) = await Feed.ReadUntilAsync(_store, cursor, Mine, 4);
        delivered.Select(e => e.Data).ShouldBe(
            [new Happened("held"), new Happened("later 0"), new Happened("later 1"), new Happened("later 2")]);
        delivered[0].EventId.ShouldBe(heldEvent);
        delivered.Select(e => e.EventId).Distinct().Count().ShouldBe(4);
        delivered.Skip(1).Select(e => e.Position).ShouldBe(later.Select(r => r.LastPosition));
        (await Feed.ReadAvailableAsync(_store, next)).ShouldNotContain(e => Mine(e));
    }

    [Fact]
    public async Task A_rolled_back_append_is_never_seen_in_the_feed_nor_the_stream()
    {
        var stream = $"rolled-back-{Guid.NewGuid():N}";
        var marker = $"marker-{Guid.NewGuid():N}";
        var rolledBack = Guid.CreateVersion7();
        await using (var connection = await fixture.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await RawAppend.ExecuteAsync(connection, transaction, stream, rolledBack, "happened", """{"what": "never"}""");
            await transaction.RollbackAsync();
        }
        await _store.AppendAsync(marker, "thing", ExpectedVersion.NoStream, [new Happened("after the rollback")]);

        // Once the reader has passed a later commit, whatever was before it is final.
        var (_, next) = await Feed.ReadUntilAsync(_store, FeedPosition.Start, e => e.StreamId == marker, 1);
        var everything = await Feed.ReadAvailableAsync(_store, FeedPosition.Start);

        everything.ShouldNotContain(e => e.EventId == rolledBack || e.StreamId == stream);
        everything.Where(e => e.Position <= next).ShouldContain(e => e.StreamId == marker);
        (await _store.ReadStreamAsync(stream)).ShouldBeEmpty();
        (await _store.AggregateStreamAsync(stream, 0, (n, _) => n + 1)).Version.ShouldBe(0);
        // The stream row went with it: the stream can still be created.
        (await _store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Happened("now")])).VersionOf(stream).ShouldBe(1);
    }

    [Fact]
    public async Task An_event_of_an_unknown_type_reaches_readers_with_null_data_and_its_json_kept()
    {
        var stream = $"future-{Guid.NewGuid():N}";
        await using (var connection = await fixture.DataSource.OpenConnectionAsync())
        await using (var transaction = await connection.BeginTransactionAsync())
        {
            await RawAppend.ExecuteAsync(connection, transaction, stream, Guid.CreateVersion7(), "introduced-in-a-later-release", """{"answer": 42}""");
            await transaction.CommitAsync();
        }
        await _store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(1), [new Happened("known")]);

        var (events, _) = await Feed.ReadUntilAsync(_store, FeedPosition.Start, e => e.StreamId == stream, 2);

        events[0].EventType.ShouldBe("introduced-in-a-later-release");
        events[0].Data.ShouldBeNull();
        events[0].Json.ShouldBe("""{"answer": 42}""");
        events[1].Data.ShouldBe(new Happened("known"));
        var stored = await _store.ReadStreamAsync(stream);
        stored[0].Data.ShouldBeNull();
        stored[0].Json.ShouldBe("""{"answer": 42}""");
        var folded = await _store.AggregateStreamAsync(stream, new List<object>(), (seen, e) => [.. seen, e]);
        folded.State.ShouldBe([new Happened("known")]);
        folded.Version.ShouldBe(2);
    }

    [Fact]
    public async Task Metadata_round_trips_through_the_stream_and_the_feed()
    {
        var stream = $"meta-{Guid.NewGuid():N}";
        var metadata = new EventMetadata
        {
            ActorOrganizationId = "org-42",
            CorrelationId = "corr-7f3a",
            CausationId = "cmd-\"quoted\"-ü",
            IdempotencyKey = "idem-123",
        };

        await _store.AppendAsync(stream, "thing", ExpectedVersion.NoStream, [new Happened("a"), new Counted(2)], metadata);
        await _store.AppendAsync(stream, "thing", ExpectedVersion.Exactly(2), [new Happened("no metadata")]);

        var stored = await _store.ReadStreamAsync(stream);
        stored.Select(e => e.Metadata).ShouldBe([metadata, metadata, EventMetadata.None]);
        var (fed, _) = await Feed.ReadUntilAsync(_store, FeedPosition.Start, e => e.StreamId == stream, 3);
        fed.Select(e => e.Metadata).ShouldBe([metadata, metadata, EventMetadata.None]);
    }
}

public sealed class FeedVolumeTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private readonly EventStore _store = fixture.Store;

    [Fact]
    public async Task Ten_thousand_events_round_trip_through_the_paged_feed_in_order_and_intact()
    {
        const int appends = 100, perAppend = 100;
        var expected = new List<(string Stream, long Version, object Data)>();
        for (var a = 0; a < appends; a++)
        {
            var stream = $"volume-{a % 7}";
            var events = Enumerable.Range(0, perAppend)
                .Select(i => a * perAppend + i)
                .Select(n => n % 3 == 0 ? (object)new Counted(n) : new Happened($"event {n}: \"quoted\", ü ✓ \\ {new string('x', n % 50)}"))
                .ToList();
            var result = await _store.AppendAsync(stream, "volume", ExpectedVersion.Any, events);
            var first = result.VersionOf(stream) - perAppend + 1;
            expected.AddRange(events.Select((e, i) => (stream, first + i, e)));
        }

        var (read, _) = await Feed.ReadUntilAsync(_store, FeedPosition.Start, e => e.StreamId.StartsWith("volume-", StringComparison.Ordinal), appends * perAppend, pageSize: 1000);

        read.Count.ShouldBe(appends * perAppend);
        read.Select(e => (e.StreamId, e.StreamVersion, e.Data!)).ShouldBe(expected);
        read.Select(e => e.Position).ShouldBe(read.Select(e => e.Position).Order());
        read.Select(e => e.EventId).Distinct().Count().ShouldBe(read.Count);
    }
}
