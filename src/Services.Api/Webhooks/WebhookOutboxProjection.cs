using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Services.Api.Catalog;
using Services.Api.Common;
using Services.Api.Feed;
using Services.Api.Infrastructure;
using Services.Api.ReadModels;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Webhooks;

/// <summary>
/// Shard <c>webhook-outbox</c>: for each event, for each active (not deleted nor disabled) webhook whose organization is in the
/// event's audience (<see cref="EventAudience"/>; the operator's webhooks get all) and whose event
/// types match, a delivery row is inserted in the page's transaction (the outbox), due at the event's
/// time; <see cref="WebhookDeliveryWorker"/> sends it after commit (at least once: receivers
/// de-duplicate on the event id). Only events after the webhook's creation are delivered.
/// </summary>
/// <remarks>
/// This shard reads the webhooks table (configuration, written by the API): deliveries are side
/// effects, not a rebuildable read model. <see cref="ResetAsync"/> therefore empties only the audience
/// lookups, never the deliveries, and keeps where the outbox had reached: a rebuild re-runs the events
/// for the lookups, and queues only those beyond that point (nothing is resent, and no old event goes
/// to a webhook whose types were widened since).
/// Pages commit without waiting for their WAL flush (see the daemon): a crash may take away the last
/// pages' delivery rows, but with their checkpoint, so they are queued again. The worker sends a
/// delivery only after its claim committed, synchronously, which flushes the WAL past the row's own
/// commit: nothing is sent for a row that a crash could still take away.
/// </remarks>
public sealed class WebhookOutboxProjection : IProjection
{
    /// <summary>A delivery's id, one per webhook and event (or ping): SQL of the two columns or parameters.</summary>
    internal static string DeliveryIdSql(string webhookId, string eventId) => $"'dlv_' || left(md5({webhookId} || {eventId}::text), 24)";

    internal static readonly AudienceTables Lookups = new("rm_outbox");

    /// <summary>How delivery bodies are written, events' and pings' alike.</summary>
    internal static readonly JsonSerializerOptions BodyJson = CreateBodyJson();

    public string Name => FeedRegistration.OutboxShard;

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(context);
        await using var batch = new PageBatch(context);
        var audiences = await Lookups.AudiencesAsync(page, context, batch, cancellationToken);
        await batch.ExecuteAsync(cancellationToken); // the lookups are kept even with no webhook: one created later needs them
        if (!await AnyWebhookAsync(context, cancellationToken)) return;
        // Events a rebuild re-runs were queued before it, for the webhooks and types of their time.
        var queuedUpTo = context.IsRebuilding ? await HighWaterAsync(context, cancellationToken) : FeedPosition.Start;

        var indexes = new List<int>();
        var eventIds = new List<Guid>();
        var types = new List<string>();
        var xids = new List<ulong>();
        var positions = new List<long>();
        var times = new List<DateTimeOffset>();
        var bodies = new List<string>();
        var partnerBodies = new List<string?>();
        var audienceIndexes = new List<int>();
        var audienceKeys = new List<string>();
        for (var i = 0; i < page.Count; i++)
        {
            var recorded = page[i];
            if (recorded.Data is null || recorded.Position <= queuedUpTo) continue;
            indexes.Add(i);
            eventIds.Add(recorded.EventId);
            types.Add(recorded.EventType);
            xids.Add(recorded.Position.TransactionId);
            positions.Add(recorded.Position.GlobalPosition);
            times.Add(recorded.Timestamp.ToUniversalTime());
            bodies.Add(Body(recorded, OrganizationKind.Operator));
            partnerBodies.Add(EventResponse.WithholdsRequester(OrganizationKind.Partner, recorded.StreamId) ? Body(recorded, OrganizationKind.Partner) : null);
            foreach (var key in audiences[i])
            {
                audienceIndexes.Add(i);
                audienceKeys.Add(key);
            }
        }
        if (indexes.Count == 0) return;

        await using var insert = context.CreateCommand($"""
            with ev as (
                select * from unnest($1::int[], $2::uuid[], $3::text[], $4::xid8[], $5::bigint[], $6::timestamptz[], $7::text[], $10::text[])
                    as e(idx, event_id, event_type, xid, pos, occurred_at, body, partner_body)),
            aud as (select * from unnest($8::int[], $9::text[]) as a(idx, audience))
            insert into webhook_deliveries (delivery_id, webhook_id, event_id, event_type, body, status, next_attempt_at, created_at, event_position)
            select {DeliveryIdSql("w.webhook_id", "ev.event_id")}, w.webhook_id, ev.event_id, ev.event_type,
                   case when coalesce(w.organization_kind, (
                                 -- A webhook an older node made during an upgrade: its kind from the registration.
                                 select r.data->>'kind' from es_events r
                                 where r.stream_id = 'organization-' || w.organization_id and r.event_type = 'organization.registered')) = 'partner'
                        then coalesce(ev.partner_body, ev.body) else ev.body end,
                   'pending', ev.occurred_at, ev.occurred_at, ev.pos
            from ev
            join webhooks w on w.deleted_at is null and w.disabled_at is null
              and (ev.xid, ev.pos) > (w.after_xid, w.after_position)
              and (w.sees_all or exists (select 1 from aud where aud.idx = ev.idx and (aud.audience = '*' or aud.audience = any(w.audience_keys))))
              and exists (select 1 from unnest(w.event_types) t(pattern)
                          where t.pattern = '*' or t.pattern = ev.event_type
                             or (right(t.pattern, 2) = '.*' and starts_with(ev.event_type, left(t.pattern, -1))))
            order by ev.xid, ev.pos, w.webhook_id
            on conflict (webhook_id, event_id) do nothing
            """);
        insert.Parameters.Add(new NpgsqlParameter { Value = indexes.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = eventIds.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = types.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = xids.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Xid8 });
        insert.Parameters.Add(new NpgsqlParameter { Value = positions.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = times.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = bodies.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = audienceIndexes.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = audienceKeys.ToArray() });
        insert.Parameters.Add(new NpgsqlParameter { Value = partnerBodies.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Empties the audience lookups only: deliveries are never truncated (no resend on rebuild). Keeps
    /// where the outbox had reached (webhook_outbox_high_water): the rebuild queues nothing up to there.
    /// </summary>
    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using (var reached = new NpgsqlCommand("""
            insert into webhook_outbox_high_water as hw (last_xid, last_position)
            select last_xid, last_position from es_checkpoints where name = $1
            on conflict (only_row) do update set last_xid = excluded.last_xid, last_position = excluded.last_position
            where (excluded.last_xid, excluded.last_position) > (hw.last_xid, hw.last_position)
            """, connection, transaction))
        {
            reached.Parameters.Add(new NpgsqlParameter { Value = FeedRegistration.OutboxShard });
            await reached.ExecuteNonQueryAsync(cancellationToken);
        }
        await Lookups.TruncateAsync(connection, transaction, [], cancellationToken);
    }

    /// <summary>The delivery body: the event as the change feed shows it to the webhook's organization.</summary>
    internal static string Body(RecordedEvent recorded, OrganizationKind reader) => JsonSerializer.Serialize(
        EventResponse.From(recorded.EventId, recorded.EventType, recorded.StreamId, recorded.Timestamp, recorded.Position, recorded.Json, reader), BodyJson);

    private static async Task<FeedPosition> HighWaterAsync(ProjectionContext context, CancellationToken cancellationToken)
    {
        await using var command = context.CreateCommand("select last_xid, last_position from webhook_outbox_high_water");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new FeedPosition(reader.GetFieldValue<ulong>(0), reader.GetInt64(1)) : FeedPosition.Start;
    }

    private static async Task<bool> AnyWebhookAsync(ProjectionContext context, CancellationToken cancellationToken)
    {
        await using var command = context.CreateCommand("select exists (select 1 from webhooks where deleted_at is null and disabled_at is null)");
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static JsonSerializerOptions CreateBodyJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Json.Configure(options);
        // A body for a machine, never embedded in HTML: keep the event's JSON as stored ('+' not '\u002B').
        options.Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
        return options;
    }
}
