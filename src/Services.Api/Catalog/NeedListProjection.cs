using Npgsql;
using Services.Api.Needs;
using Services.Api.ReadModels;
using Services.EventStore;
using Services.EventStore.Projections;
using static Services.Api.ReadModels.ReadModelValues;

namespace Services.Api.Catalog;

/// <summary>Shard <c>need-list</c>: one row per need (rm_needs) with its status, acknowledging clubs and addressing offer.</summary>
public sealed class NeedListProjection : IProjection
{
    public string Name => CatalogReadModels.NeedListShard;

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(context);
        await using var batch = new PageBatch(context);
        foreach (var recorded in page)
        {
            var id = EntityId(recorded.StreamId);
            switch (recorded.Data)
            {
                case NeedRecorded e:
                    batch.Add("""
                        insert into rm_needs (need_id, company_id, category, territory, headcount, description, wished_schedule,
                            status, acknowledged_by, addressed_by_offer_id, recorded_at)
                        values ($1, $2, $3, $4, $5, $6, $7::text, $8, '{}', null, $9)
                        """,
                        e.NeedId, e.CompanyId, Wire(e.Category), e.Territory, e.Headcount, e.Description, e.WishedSchedule,
                        Wire(NeedStatus.Open), Utc(e.RecordedAt));
                    break;
                case NeedAcknowledged e:
                    batch.Add("""
                        update rm_needs set acknowledged_by = array_append(acknowledged_by, $2::text)
                        where need_id = $1 and not ($2::text = any(acknowledged_by))
                        """, id, e.ClubId);
                    break;
                case NeedAddressed e:
                    batch.Add("update rm_needs set status = $2, addressed_by_offer_id = $3 where need_id = $1", id, Wire(NeedStatus.Addressed), e.OfferId);
                    break;
                case NeedWithdrawn:
                    batch.Add("update rm_needs set status = $2 where need_id = $1", id, Wire(NeedStatus.Withdrawn));
                    break;
            }
        }
        await batch.ExecuteAsync(cancellationToken);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("truncate rm_needs", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
