namespace Services.Api.Demo;

/// <summary>A load of the demo territory began: a later start resumes it if it did not finish. The operator's only, like every demo marker.</summary>
/// <param name="StartedAt">When the load began (UTC).</param>
public sealed record DemoTerritoryLoadStarted(DateTimeOffset StartedAt);

/// <summary>Marks the demo as loaded, so that a restart never loads it twice. The operator's only.</summary>
/// <param name="ClubId">The demo's company club (`org_…`).</param>
/// <param name="LoadedAt">When the load finished (UTC).</param>
public sealed record DemoTerritoryLoaded(string ClubId, DateTimeOffset LoadedAt);
