namespace Services.Reliability;

/// <summary>What every part works with: the API nodes (the first runs from the start), the database, the booked marketplace.</summary>
internal sealed record Suite(
    SuiteOptions Options,
    IReadOnlyList<ApiNode> Nodes,
    Database Database,
    Marketplace Market,
    Shards Shards,
    Audit Audit,
    Report Report)
{
    /// <summary>Ends a part's load once it books again, audits what it left and counts that in the report.</summary>
    public async Task<AuditResult> FinishAsync(BookingLoad load, Uri node)
    {
        await load.BookSomeAsync();
        await load.StopAsync();
        var audit = await Audit.CheckAsync(load, node);
        Report.Audited(audit);
        return audit;
    }
}
