namespace Services.Api.Demo;

/// <summary>A load of the demo territory began: a later start resumes it if it did not finish. The operator's only, like every demo marker.</summary>
public sealed record DemoTerritoryLoadStarted(DateTimeOffset StartedAt);

/// <summary>Marks the demo as loaded, so that a restart never loads it twice. The operator's only.</summary>
public sealed record DemoTerritoryLoaded(string ClubId, DateTimeOffset LoadedAt);
