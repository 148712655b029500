using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Services.Api.Security;
using Services.EventStore.Projections;

namespace Services.Api.ReadModels;

/// <summary>
/// What a read of a read model takes besides its own query parameters ([AsParameters]): the position to read from
/// (declared once here), who asks, and the store, database and daemon it reads with. Each read adds its parameters.
/// </summary>
/// <remarks>
/// Classes with settable properties, not records: the OpenAPI generator fails on validation attributes of an
/// [AsParameters] type's constructor parameters (dotnet/aspnetcore#65348), and these attributes document the contract.
/// </remarks>
public abstract class ReadModelQuery
{
    [FromQuery(Name = "minPosition"), Description(ReadYourWrites.ParameterDescription), RegularExpression(ReadYourWrites.PositionPattern)]
    public string? MinPosition { get; init; }

    public required Caller Caller { get; init; }

    public required EventStore.EventStore Store { get; init; }

    public required NpgsqlDataSource DataSource { get; init; }

    public required ProjectionDaemon Daemon { get; init; }

    public required HttpContext Http { get; init; }
}
