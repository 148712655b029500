namespace Services.Api.Demo;

/// <summary>Marks the demo as loaded, so that a restart never loads it twice.</summary>
public sealed record DemoTerritoryLoaded(string ClubId, DateTimeOffset LoadedAt);
