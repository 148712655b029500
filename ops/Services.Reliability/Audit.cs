using System.Net;
using Services.Client;
using Services.Client.Models;

namespace Services.Reliability;

/// <summary>What one part's load left behind.</summary>
/// <param name="InDoubtSaved">Bookings in doubt (no final answer) that exist, once: their request was saved but its answer lost.</param>
/// <param name="InDoubtLost">Bookings in doubt that the API said were committed (their key in progress) and that do not exist.</param>
/// <param name="Seats">The seat and quota invariants over the whole marketplace, as this part left it.</param>
internal sealed record AuditResult(int Acked, int Lost, int Duplicates, int InDoubt, int InDoubtSaved, int InDoubtLost, int Refused, int ServerErrors, int RebuildMismatches, SeatFindings Seats)
{
    public bool Passed => Lost == 0 && InDoubtLost == 0 && Duplicates == 0 && Refused == 0 && ServerErrors == 0 && RebuildMismatches == 0 && Seats.Intact;
}

/// <summary>
/// After a load: every booking answered 201 exists (read from its stream, and in the booking list
/// once the read models caught up), and so does every booking in doubt whose key the API answered
/// "in progress" (<see cref="BookingLoad.InDoubtCommitted"/>); no beneficiaryRef has two bookings; no answer was a 5xx other
/// than 503; no slot is overbooked nor its seats, waitlist or quota usage inconsistent (<see cref="SeatAudit"/>);
/// and the read models equal what a rebuild from the events gives.
/// </summary>
internal sealed class Audit(Marketplace market, Shards shards, Database database)
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(120);

    private readonly SeatAudit _seats = new(market, shards);

    public async Task<AuditResult> CheckAsync(BookingLoad load, Uri node)
    {
        await shards.WaitCaughtUpAsync(node, CatchUp);
        using var http = new HttpClient { BaseAddress = node };
        var acked = load.Acked.ToList();
        var companies = market.Companies.ToDictionary(c => c.Id, c => new ServicesClient(http, new ServicesClientOptions { ApiKey = c.Key }), StringComparer.Ordinal);
        var missing = new HashSet<string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(acked, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (booking, ct) =>
        {
            if (!await ExistsAsync(companies[booking.Company.Id], booking, ct)) lock (missing) missing.Add(booking.BookingId);
        });
        var operatorClient = new ServicesClient(http, new ServicesClientOptions { ApiKey = market.OperatorKey });
        var listed = new List<BookingResponse>();
        await foreach (var booking in operatorClient.ListBookingsAutoPagingAsync(new ListBookingsParameters { Limit = 100 })) listed.Add(booking);
        var listedIds = listed.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        var notListed = acked.Where(b => !listedIds.Contains(b.BookingId)).Select(b => b.BookingId).ToList();
        var lost = missing.Union(notListed).Count();
        var byReference = listed.Where(b => b.BeneficiaryRef.StartsWith(load.Label + "-", StringComparison.Ordinal))
            .GroupBy(b => b.BeneficiaryRef, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var duplicates = byReference.Values.Sum(count => count - 1);
        var inDoubtSaved = load.InDoubt.Count(reference => byReference.GetValueOrDefault(reference) == 1);
        var inDoubtLost = load.InDoubtCommitted.Where(reference => !byReference.ContainsKey(reference)).ToList();
        foreach (var reference in inDoubtLost.Take(5)) Progress.Log($"{load.Label}: booking {reference} was in progress (committed), yet does not exist");
        var serverErrors = load.Answers.Count(a => a.Status >= 500 && a.Status != (int)HttpStatusCode.ServiceUnavailable);
        foreach (var refusal in load.Refused.Take(5)) Progress.Log($"{load.Label}: booking {refusal.BeneficiaryRef} refused: {refusal.Status} {refusal.Problem}");
        Progress.Log($"{load.Label}: {acked.Count} acknowledged, {missing.Count} not found by id, {notListed.Count} missing from the list, " +
            $"{duplicates} duplicates, {load.InDoubt.Count} in doubt ({inDoubtSaved} of them saved; {load.InDoubtCommitted.Count} committed, " +
            $"{inDoubtLost.Count} of those missing), {serverErrors} 5xx other than 503");
        // Before the rebuild: the live read models are what crashes and failovers may have broken.
        var seats = await _seats.CheckAsync(node);
        return new AuditResult(acked.Count, lost, duplicates, load.InDoubt.Count, inDoubtSaved, inDoubtLost.Count, load.Refused.Count, serverErrors, await CompareWithRebuildAsync(node), seats);
    }

    /// <summary>The number of read-model tables whose rows differ from what a rebuild gives.</summary>
    private async Task<int> CompareWithRebuildAsync(Uri node)
    {
        var live = await database.DigestReadModelsAsync();
        await shards.RebuildAllAsync(node, CatchUp);
        var rebuilt = await database.DigestReadModelsAsync();
        var differing = live.Keys.Union(rebuilt.Keys)
            .Where(table => live.GetValueOrDefault(table) != rebuilt.GetValueOrDefault(table)).ToList();
        foreach (var table in differing) Progress.Log($"read model {table}: live {live.GetValueOrDefault(table)}, rebuilt {rebuilt.GetValueOrDefault(table)}");
        Progress.Log($"read models: {live.Count} tables compared with a rebuild, {differing.Count} differ");
        return differing.Count;
    }

    private static async Task<bool> ExistsAsync(ServicesClient client, Acknowledged booking, CancellationToken cancellationToken)
    {
        try
        {
            return (await client.GetBookingAsync(booking.BookingId, cancellationToken: cancellationToken)).Value.BeneficiaryRef == booking.BeneficiaryRef;
        }
        catch (ServicesApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}
