using Npgsql;
using Services.Api.Common;
using Services.Api.ReadModels;
using Services.Api.Infrastructure;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.EventStore.Projections;

namespace Services.Api.Listings;

/// <summary>The shards of the catalog and the lists of bookings, subscriptions and needs, and the reactions that read them (waitlist expiry, the subscriptions of withdrawn offers).</summary>
public static class CatalogReadModels
{
    public const string CatalogShard = "catalog";
    public const string BookingListShard = "booking-list";
    public const string SubscriptionListShard = "subscription-list";
    public const string NeedListShard = "need-list";

    public static IServiceCollection AddCatalogReadModels(this IServiceCollection services)
    {
        services.AddSingleton<AvailabilityCache>();
        services.AddProjection<CatalogProjection>();
        services.AddProjection<BookingListProjection>();
        services.AddProjection<SubscriptionListProjection>();
        services.AddProjection<NeedListProjection>();
        services.AddReaction<WaitlistExpiry>();
        services.AddReaction<WithdrawnOfferSubscriptions>();
        services.AddReaction<WaitlistPromotion>();
        return services;
    }

    /// <summary>One instance, which tests may run by hand, and (unless the document is being generated) its periodic runs.</summary>
    private static void AddReaction<TReaction>(this IServiceCollection services) where TReaction : PeriodicReaction
    {
        services.AddSingleton<TReaction>();
        if (!DatabaseExtensions.IsGeneratingDocument) services.AddHostedService(sp => sp.GetRequiredService<TReaction>());
    }
}

/// <summary>The SQL of one page of events, sent in one round trip inside the page's transaction.</summary>
internal sealed class PageBatch(ProjectionContext context) : IAsyncDisposable
{
    private readonly NpgsqlBatch _batch = new(context.Connection, context.Transaction);

    /// <param name="parameters">Values (null: SQL null), or parameters where the value alone does not name the type.</param>
    public void Add(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(value as NpgsqlParameter ?? new NpgsqlParameter { Value = value ?? DBNull.Value });
        _batch.BatchCommands.Add(command);
    }

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
    public static TEnum? Filter<TEnum>(this Infrastructure.Validation validation, string field, string? text) where TEnum : struct, Enum
    {
        if (text is null) return null;
        var value = Parse<TEnum>(text);
        if (value is null) validation.Add(field, $"One of: {string.Join(", ", Enum.GetValues<TEnum>().Select(v => WireName.Of(v)))}.");
        return value;
    }

    public static string SlotStatusOf(bool cancelled) => Wire(cancelled ? SlotStatus.Cancelled : SlotStatus.Scheduled);
}

internal static class ReadModelSql
{
    /// <summary>A query on the read-model tables with positional parameters <c>$1..</c> (null → SQL null).</summary>
    public static NpgsqlCommand Command(NpgsqlDataSource db, string sql, params object?[] parameters)
    {
        var command = db.CreateCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    /// <summary>The same, as one statement of a batch.</summary>
    public static NpgsqlBatchCommand BatchCommand(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in parameters) command.Parameters.Add(new NpgsqlParameter { Value = value ?? DBNull.Value });
        return command;
    }

    /// <summary>
    /// What a caller may list: every row for the operator, else the rows <paramref name="own"/>
    /// selects (its parameters as in the query; <c>$1</c>, whether the caller is the operator, is
    /// then left unused). Two statements rather than one with <c>$1 or …</c>: once PostgreSQL keeps
    /// a prepared statement's generic plan, only one without the operator's switch can use the
    /// organization's indexes.
    /// </summary>
    public static string Scope(bool everything, string own) => everything ? "true" : $"({own})";

    public static T? Nullable<T>(this NpgsqlDataReader reader, int ordinal) where T : struct =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);

    public static string? NullableString(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}

/// <summary>
/// A page's run of upserts into a table keyed by (owner, booking) with a text value and a quantity,
/// written as one statement from arrays instead of one per event. Within a run the last upsert of a
/// key wins, as it would one by one; any other write to the table must <see cref="Flush"/> the run
/// first, so that statements on the table still apply in feed order.
/// </summary>
/// <param name="sql">The upsert, reading <c>unnest($1::text[], $2::text[], $3::text[], $4::int[])</c>: owner, booking, value, quantity.</param>
internal sealed class BookingEntryUpserts(string sql)
{
    private readonly Dictionary<(string Owner, string BookingId), (string Value, int Quantity)> _rows = [];

    public void Add(string owner, string bookingId, string value, int quantity) => _rows[(owner, bookingId)] = (value, quantity);

    public void Flush(PageBatch batch)
    {
        if (_rows.Count == 0) return;
        batch.Add(sql,
            _rows.Keys.Select(k => k.Owner).ToArray(), _rows.Keys.Select(k => k.BookingId).ToArray(),
            _rows.Values.Select(v => v.Value).ToArray(), _rows.Values.Select(v => v.Quantity).ToArray());
        _rows.Clear();
    }
}
