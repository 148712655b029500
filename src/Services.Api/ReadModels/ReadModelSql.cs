using Npgsql;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.EventStore.Projections;

namespace Services.Api.ReadModels;

/// <summary>The SQL of one page of events, sent in one round trip inside the page's transaction.</summary>
internal sealed class PageBatch(ProjectionContext context) : IAsyncDisposable
{
    private readonly NpgsqlBatch _batch = new(context.Connection, context.Transaction);

    /// <param name="parameters">As <see cref="ReadModelSql.AddValues"/> takes them.</param>
    public void Add(string sql, params object?[] parameters) => _batch.BatchCommands.Add(ReadModelSql.BatchCommand(sql, parameters));

    public async Task ExecuteAsync(CancellationToken cancellationToken)
    {
        if (_batch.BatchCommands.Count > 0) await _batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => _batch.DisposeAsync();
}

internal static class ReadModelValues
{
    /// <summary>The entity id of a stream id <c>{type}-{id}</c>.</summary>
    public static string EntityId(string streamId) => streamId[(streamId.IndexOf('-', StringComparison.Ordinal) + 1)..];

    /// <summary>PostgreSQL takes only UTC instants.</summary>
    public static DateTimeOffset Utc(DateTimeOffset instant) => instant.ToUniversalTime();

    public static string Wire(Enum value) => WireName.Of(value);

    /// <summary>Parses an enum from its wire name (<c>spouse_welcome</c>); null when not one.</summary>
    public static TEnum? Parse<TEnum>(string? text) where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Cast<TEnum?>().FirstOrDefault(value => WireName.Of(value!.Value) == text);

    /// <summary>Adds an error naming <paramref name="field"/> when the filter is given and not a value of the enum.</summary>
    public static TEnum? Filter<TEnum>(this Validation validation, string field, string? text) where TEnum : struct, Enum
    {
        if (text is null) return null;
        var value = Parse<TEnum>(text);
        if (value is null) validation.Add(field, $"One of: {string.Join(", ", Enum.GetValues<TEnum>().Select(v => WireName.Of(v)))}.");
        return value;
    }
}

internal static class ReadModelSql
{
    /// <summary>A query on the read-model tables with positional parameters <c>$1..</c> (see <see cref="AddValues"/>).</summary>
    public static NpgsqlCommand Command(NpgsqlDataSource db, string sql, params object?[] parameters)
    {
        var command = db.CreateCommand(sql);
        command.Parameters.AddValues(parameters);
        return command;
    }

    /// <summary>The same, as one statement of a batch.</summary>
    public static NpgsqlBatchCommand BatchCommand(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddValues(parameters);
        return command;
    }

    /// <summary>Positional parameters <c>$1..</c>: values (null: SQL null), or parameters where the value alone does not name the type.</summary>
    public static void AddValues(this NpgsqlParameterCollection parameters, IEnumerable<object?> values)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(values);
        foreach (var value in values) parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
    }

    /// <summary>
    /// What a caller may list: every row for the operator, else the rows <paramref name="own"/>
    /// selects (its parameters as in the query). Two statements rather than one with
    /// <c>$n or …</c>: once PostgreSQL keeps a prepared statement's generic plan, only one without
    /// the operator's switch can use the organization's indexes (<see cref="QueryFilters"/> does the
    /// same for filters).
    /// </summary>
    public static string Scope(bool everything, string own) => everything ? "true" : $"({own})";

    public static T? Nullable<T>(this NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
