namespace Services.Api.Infrastructure;

/// <summary>
/// The system clock to the microsecond, as PostgreSQL keeps instants: what a command stamps on its
/// events (a booking's requestedAt) reads the same from the events and from the read models.
/// </summary>
public sealed class MicrosecondClock : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => UtcInstantConverter.ToMicrosecond(base.GetUtcNow());
}
