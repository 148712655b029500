using Microsoft.Extensions.Options;
using Services.Api.Infrastructure;
using Services.Api.Tests.Security;

namespace Services.Api.Tests.Infrastructure;

public sealed class PeriodicReactionTests
{
    [Fact]
    public async Task A_run_pages_through_every_candidate_and_one_that_fails_is_logged_without_stopping_the_others()
    {
        var logs = new CapturedLogs();
        var reaction = new Scripted(["a", "b", "c", "d", "e"], failing: "b", perQuery: 2, logs);

        (await reaction.RunOnceAsync(CancellationToken.None)).ShouldBe(4);

        reaction.ActedOn.ShouldBe(["a", "c", "d", "e"]);
        reaction.QueriedAfter.ShouldBe(["", "b", "d"]);
        logs.Lines.ShouldContain(line => line.Contains("Scripted failed on b", StringComparison.Ordinal) && line.Contains("the candidate's own fault", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_database_that_goes_away_ends_the_run_instead_of_failing_each_candidate()
    {
        var reaction = new Scripted(["a", "b"], failing: "a", perQuery: 10, new CapturedLogs(), new Npgsql.NpgsqlException("connection lost", new System.Net.Sockets.SocketException()));

        await Should.ThrowAsync<Npgsql.NpgsqlException>(() => reaction.RunOnceAsync(CancellationToken.None));

        reaction.ActedOn.ShouldBeEmpty();
    }

    private sealed class Scripted(string[] candidates, string failing, int perQuery, CapturedLogs logs, Exception? fault = null)
        : PeriodicReaction("scripted", _ => 15, Options.Create(new ReactionOptions { CandidatesPerQuery = perQuery }), logs.CreateLogger("reaction"))
    {
        public List<string> ActedOn { get; } = [];

        public List<string> QueriedAfter { get; } = [];

        protected override Task<IReadOnlyList<string>> CandidatesAsync(string after, CancellationToken cancellationToken)
        {
            QueriedAfter.Add(after);
            return Task.FromResult<IReadOnlyList<string>>(candidates.Where(c => string.CompareOrdinal(c, after) > 0).Take(CandidatesPerQuery).ToList());
        }

        protected override Task<int> ActOnAsync(string candidate, CancellationToken cancellationToken)
        {
            if (candidate == failing) throw fault ?? new InvalidOperationException("the candidate's own fault");
            ActedOn.Add(candidate);
            return Task.FromResult(1);
        }
    }
}
