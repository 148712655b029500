using static Services.EventStore.Tests.TestEvents;

namespace Services.EventStore.Tests;

/// <summary>Streams a decision was taken on without changing them: checked in the append's transaction.</summary>
public sealed class VersionCheckTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    private static string NewStream(string kind) => $"{kind}-{Guid.NewGuid():N}";

    [Fact]
    public async Task An_append_commits_when_the_unchanged_streams_are_still_at_their_versions()
    {
        var (offer, booking) = (NewStream("offer"), NewStream("booking"));
        await fixture.Store.AppendAsync(offer, "offer", ExpectedVersion.NoStream, [new Happened("published")]);

        var result = await fixture.Store.AppendAsync(
            [StreamAppend.Unchanged(offer, ExpectedVersion.Exactly(1)), new StreamAppend(booking, "booking", ExpectedVersion.NoStream, [new Happened("booked")])]);

        result.VersionOf(booking).ShouldBe(1);
        result.VersionOf(offer).ShouldBe(1);
        (await fixture.Store.ReadStreamAsync(offer)).Count.ShouldBe(1, "a check appends nothing");
        (await fixture.Store.ReadStreamAsync(booking)).Count.ShouldBe(1);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 2)]
    [InlineData(3, 2)]
    public async Task An_unchanged_stream_at_another_version_fails_the_whole_append(long checkedVersion, long appendedFirst)
    {
        var (offer, booking) = (NewStream("offer"), NewStream("booking"));
        for (var version = 0; version < appendedFirst; version++)
            await fixture.Store.AppendAsync(offer, "offer", ExpectedVersion.Exactly(version), [new Happened($"change {version}")]);

        var conflict = await Should.ThrowAsync<StreamVersionConflictException>(() => fixture.Store.AppendAsync(
            [StreamAppend.Unchanged(offer, ExpectedVersion.Exactly(checkedVersion)), new StreamAppend(booking, "booking", ExpectedVersion.NoStream, [new Happened("booked")])]));

        conflict.StreamId.ShouldBe(offer);
        conflict.ActualVersion.ShouldBe(appendedFirst);
        (await fixture.Store.ReadStreamAsync(booking)).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_append_at_any_version_checks_its_unchanged_streams_too()
    {
        var (offer, log) = (NewStream("offer"), NewStream("log"));
        await fixture.Store.AppendAsync(offer, "offer", ExpectedVersion.NoStream, [new Happened("published"), new Happened("revised")]);
        StreamAppend Logged(long offerVersion) => StreamAppend.Unchanged(offer, ExpectedVersion.Exactly(offerVersion));

        await fixture.Store.AppendAsync([Logged(2), new StreamAppend(log, "log", ExpectedVersion.Any, [new Happened("seen at 2")])]);
        await Should.ThrowAsync<StreamVersionConflictException>(() =>
            fixture.Store.AppendAsync([Logged(1), new StreamAppend(log, "log", ExpectedVersion.Any, [new Happened("seen at 1")])]));

        (await fixture.Store.ReadStreamAsync(log)).Select(e => e.Data).ShouldBe([new Happened("seen at 2")]);
    }

    [Fact]
    public async Task Checks_of_one_stream_by_concurrent_appends_do_not_conflict_with_each_other()
    {
        var offer = NewStream("offer");
        await fixture.Store.AppendAsync(offer, "offer", ExpectedVersion.NoStream, [new Happened("published")]);

        var bookings = Enumerable.Range(0, 20).Select(_ => NewStream("booking")).ToList();
        await Task.WhenAll(bookings.Select(booking => fixture.Store.AppendAsync(
            [StreamAppend.Unchanged(offer, ExpectedVersion.Exactly(1)), new StreamAppend(booking, "booking", ExpectedVersion.NoStream, [new Happened("booked")])])));

        foreach (var booking in bookings) (await fixture.Store.ReadStreamAsync(booking)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_check_needs_a_version_and_an_append_that_only_checks_is_refused()
    {
        var offer = NewStream("offer");
        await Should.ThrowAsync<ArgumentException>(() => fixture.Store.AppendAsync([StreamAppend.Unchanged(offer, ExpectedVersion.Exactly(1))]));
        await Should.ThrowAsync<ArgumentException>(() => fixture.Store.AppendAsync(
            [StreamAppend.Unchanged(offer, ExpectedVersion.Any), new StreamAppend(NewStream("booking"), "booking", ExpectedVersion.NoStream, [new Happened("booked")])]));
    }
}
