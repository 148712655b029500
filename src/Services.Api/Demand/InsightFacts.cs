using Npgsql;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.Organizations;
using Services.Api.ReadModels;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Demand;

/// <summary>
/// The facts the demand, usage, deliveries, indicators and territories read models are computed from: offers, their terms (with their providers) and status over time,
/// slots (with their local date in the offer's time zone), bookings (with what happened to them),
/// subscriptions, needs, organizations and club memberships, under one table prefix (<c>rm_insights_…</c>).
/// One copy serves the five read models: they are sums computed from these rows when read, so a copy
/// per read model would only write every booking five times.
/// </summary>
/// <remarks>
/// Every event becomes at most one SQL statement, executed in feed order in one batch per page, inside the
/// page's transaction, except bookings: their rows are folded per page (<see cref="RowFold{TRow, TChange}"/>),
/// a booking requested and confirmed in one page is one insert, and the page's other booking changes
/// one update. Lookups (the time zone of a slot's offer, the unit price at booking time) are
/// done in SQL against this shard's own tables, so a page never depends on the clock or on other shards.
/// </remarks>
public sealed class InsightFacts(string prefix)
{
    public string Prefix { get; } = prefix;

    public IReadOnlyList<string> TableNames { get; } =
    [
        $"{prefix}_offers", $"{prefix}_slots", $"{prefix}_bookings", $"{prefix}_offer_terms", $"{prefix}_subscriptions",
        $"{prefix}_needs", $"{prefix}_organizations", $"{prefix}_memberships", $"{prefix}_offer_statuses",
    ];

    public async Task ApplyAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(page);
        ArgumentNullException.ThrowIfNull(context);
        await using var batch = new NpgsqlBatch(context.Connection, context.Transaction);
        var bookings = new RowFold<BookingRequested, BookingChange>(BookingChange.Merge);
        foreach (var recorded in page) Add(batch, bookings, recorded);
        InsertBookings(batch, bookings);
        ChangeBookings(batch, bookings);
        if (batch.BatchCommands.Count > 0) await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task ResetAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var truncate = new NpgsqlCommand($"truncate {string.Join(", ", TableNames)}", connection, transaction);
        await truncate.ExecuteNonQueryAsync(cancellationToken);
    }

    private void Add(NpgsqlBatch batch, RowFold<BookingRequested, BookingChange> bookings, RecordedEvent recorded)
    {
        var p = Prefix;
        var at = recorded.Timestamp.ToUniversalTime();
        switch (recorded.Data)
        {
            case OrganizationRegistered e:
                Command(batch, $"insert into {p}_organizations (organization_id, kind, territories, name, siret, registered_at) values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
                    e.OrganizationId, WireName.Of(e.Kind), e.Territories.ToArray(), e.Name, e.Siret, e.RegisteredAt.ToUniversalTime());
                break;
            case OrganizationRenamed e:
                Command(batch, $"update {p}_organizations set name = $2 where organization_id = $1", ReadModelValues.EntityId(recorded.StreamId), e.Name);
                break;
            case MemberAdmitted e:
                Command(batch, $"insert into {p}_memberships (club_id, company_id, admitted_at, admitted_version) values ($1, $2, $3, $4) on conflict do nothing",
                    ReadModelValues.EntityId(recorded.StreamId), e.CompanyId, at, recorded.StreamVersion);
                break;
            case MemberRemoved e:
                Command(batch, $"update {p}_memberships set removed_at = $3 where club_id = $1 and company_id = $2 and removed_at is null",
                    ReadModelValues.EntityId(recorded.StreamId), e.CompanyId, at);
                break;

            case OfferPublished e:
                InsertBookings(batch, bookings); // they read the unit price as it was before this event
                Command(batch, $"""
                    insert into {p}_offers (offer_id, club_id, category, title, territories, time_zone, unit_price)
                    values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing
                    """,
                    e.OfferId, e.ClubId, WireName.Of(e.Category), e.Title, e.Territories.ToArray(), e.TimeZone, e.UnitPrice.Amount);
                AddTerms(batch, e.OfferId, recorded.StreamVersion, e.PublishedAt.ToUniversalTime(), e.MonthlyFee, e.UnitPrice, e.CoFunding, e.ProviderIds);
                break;
            case OfferRevised e:
                InsertBookings(batch, bookings);
                Command(batch, $"update {p}_offers set title = $2, territories = $3, unit_price = $4 where offer_id = $1",
                    ReadModelValues.EntityId(recorded.StreamId), e.Title, e.Territories.ToArray(), e.UnitPrice.Amount);
                AddTerms(batch, ReadModelValues.EntityId(recorded.StreamId), recorded.StreamVersion, at, e.MonthlyFee, e.UnitPrice, e.CoFunding, e.ProviderIds);
                break;
            case OfferSuspended e:
                AddStatus(batch, recorded, e.SuspendedAt ?? at, OfferStatus.Suspended);
                break;
            case OfferResumed e:
                AddStatus(batch, recorded, e.ResumedAt ?? at, OfferStatus.Active);
                break;
            case OfferWithdrawn e:
                AddStatus(batch, recorded, e.WithdrawnAt ?? at, OfferStatus.Withdrawn);
                break;

            case SlotScheduled e:
                Command(batch, $"""
                    insert into {p}_slots (slot_id, offer_id, start_at, local_date, capacity)
                    select $1, $2, $3, ($3 at time zone coalesce(o.time_zone, 'UTC'))::date, $4
                    from (select 1) one left join {p}_offers o on o.offer_id = $2
                    on conflict do nothing
                    """,
                    e.SlotId, e.OfferId, e.Start.ToUniversalTime(), e.Capacity);
                break;
            case SlotCapacityChanged e:
                Command(batch, $"update {p}_slots set capacity = $2 where slot_id = $1", ReadModelValues.EntityId(recorded.StreamId), e.Capacity);
                break;
            case SlotRescheduled e:
                // Its local date stays: a slot moves within its day only.
                Command(batch, $"update {p}_slots set start_at = $2 where slot_id = $1", ReadModelValues.EntityId(recorded.StreamId), e.Start.ToUniversalTime());
                break;
            case SlotCancelled:
                Command(batch, $"update {p}_slots set cancelled = true where slot_id = $1", ReadModelValues.EntityId(recorded.StreamId));
                break;

            case BookingRequested e:
                bookings.Insert(e.BookingId, e);
                break;
            case BookingConfirmed:
                bookings.Change(ReadModelValues.EntityId(recorded.StreamId), new BookingChange("confirmed", Confirmed: true));
                break;
            case BookingPromoted:
                bookings.Change(ReadModelValues.EntityId(recorded.StreamId), new BookingChange("confirmed", Confirmed: true, Promoted: true));
                break;
            case BookingWaitlisted:
                bookings.Change(ReadModelValues.EntityId(recorded.StreamId), new BookingChange("waitlisted", Waitlisted: true));
                break;
            case BookingExpired:
                bookings.Change(ReadModelValues.EntityId(recorded.StreamId), new BookingChange("expired"));
                break;
            case BookingCancelled:
                bookings.Change(ReadModelValues.EntityId(recorded.StreamId), new BookingChange("cancelled"));
                break;
            case AttendanceRecorded e:
                bookings.Change(ReadModelValues.EntityId(recorded.StreamId), new BookingChange(Attendance: e.Outcome == AttendanceOutcome.Attended ? "attended" : "no_show"));
                break;

            case Subscribed e:
                Command(batch, $"insert into {p}_subscriptions (subscription_id, company_id, offer_id, starts_on) values ($1, $2, $3, $4) on conflict do nothing",
                    e.SubscriptionId, e.CompanyId, e.OfferId, e.StartsOn);
                break;
            case SubscriptionCancelled e:
                Command(batch, $"update {p}_subscriptions set ends_on = $2 where subscription_id = $1", ReadModelValues.EntityId(recorded.StreamId), e.EndsOn);
                break;

            case NeedRecorded e:
                var recordedAt = e.RecordedAt.ToUniversalTime();
                Command(batch, $"""
                    insert into {p}_needs (need_id, company_id, category, territory, headcount, recorded_at, recorded_date)
                    values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing
                    """,
                    e.NeedId, e.CompanyId, WireName.Of(e.Category), e.Territory, e.Headcount, recordedAt, DateOnly.FromDateTime(recordedAt.UtcDateTime));
                break;
            case NeedAddressed or NeedWithdrawn:
                Command(batch, $"update {p}_needs set closed_at = $2 where need_id = $1 and closed_at is null", ReadModelValues.EntityId(recorded.StreamId), at);
                break;
        }
    }

    private void AddTerms(
        NpgsqlBatch batch, string offerId, long version, DateTimeOffset validFrom, Money monthlyFee, Money unitPrice, CoFunding? coFunding, IReadOnlyList<string> providerIds)
    {
        Command(batch, $"""
            insert into {Prefix}_offer_terms (offer_id, version, valid_from, monthly_fee, unit_price, currency, co_funding_bp, co_funding_partner_id, provider_ids)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing
            """,
            offerId, version, validFrom, monthlyFee.Amount, unitPrice.Amount, monthlyFee.Currency, coFunding?.ShareBasisPoints ?? 0, coFunding?.PartnerId,
            providerIds.ToArray());
    }

    /// <summary>The offer's status from <paramref name="since"/> on: the instant its event gives, else the one it was recorded at (events written before they carried one).</summary>
    private void AddStatus(NpgsqlBatch batch, RecordedEvent recorded, DateTimeOffset since, OfferStatus status) =>
        Command(batch, $"insert into {Prefix}_offer_statuses (offer_id, version, since, status) values ($1, $2, $3, $4) on conflict do nothing",
            ReadModelValues.EntityId(recorded.StreamId), recorded.StreamVersion, since.ToUniversalTime(), WireName.Of(status));

    /// <summary>The bookings requested so far in the page, with what happened to them since, in one statement.</summary>
    private void InsertBookings(NpgsqlBatch batch, RowFold<BookingRequested, BookingChange> bookings)
    {
        var rows = bookings.TakeInserts();
        if (rows.Count == 0) return;
        Command(batch, $"""
            insert into {Prefix}_bookings (booking_id, company_id, subscription_id, offer_id, slot_id, quantity, beneficiary_ref, unit_price,
                requested_at, status, confirmed, waitlisted, promoted, attendance)
            select b.booking_id, b.company_id, b.subscription_id, b.offer_id, b.slot_id, b.quantity, b.beneficiary_ref, coalesce(o.unit_price, 0),
                b.requested_at, b.status, b.confirmed, b.waitlisted, b.promoted, b.attendance
            from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::timestamptz[],
                        $9::text[], $10::bool[], $11::bool[], $12::bool[], $13::text[])
                as b(booking_id, company_id, subscription_id, offer_id, slot_id, quantity, beneficiary_ref, requested_at,
                     status, confirmed, waitlisted, promoted, attendance)
            left join {Prefix}_offers o on o.offer_id = b.offer_id
            on conflict do nothing
            """,
            rows.Select(r => r.Row.BookingId).ToArray(), rows.Select(r => r.Row.CompanyId).ToArray(),
            rows.Select(r => r.Row.SubscriptionId).ToArray(), rows.Select(r => r.Row.OfferId).ToArray(),
            rows.Select(r => r.Row.SlotId).ToArray(), rows.Select(r => r.Row.Quantity).ToArray(),
            rows.Select(r => r.Row.BeneficiaryRef).ToArray(), rows.Select(r => r.Row.RequestedAt.ToUniversalTime()).ToArray(),
            rows.Select(r => r.Change?.Status ?? "requested").ToArray(), rows.Select(r => r.Change?.Confirmed ?? false).ToArray(),
            rows.Select(r => r.Change?.Waitlisted ?? false).ToArray(), rows.Select(r => r.Change?.Promoted ?? false).ToArray(),
            rows.Select(r => r.Change?.Attendance).ToArray());
    }

    /// <summary>The page's changes to bookings requested in earlier pages, merged per booking, in one statement.</summary>
    private void ChangeBookings(NpgsqlBatch batch, RowFold<BookingRequested, BookingChange> bookings)
    {
        var changes = bookings.TakeChanges();
        if (changes.Count == 0) return;
        Command(batch, $"""
            update {Prefix}_bookings b set status = coalesce(c.status, b.status), confirmed = b.confirmed or c.confirmed,
                waitlisted = b.waitlisted or c.waitlisted, promoted = b.promoted or c.promoted, attendance = coalesce(c.attendance, b.attendance)
            from unnest($1::text[], $2::text[], $3::bool[], $4::bool[], $5::bool[], $6::text[])
                as c(booking_id, status, confirmed, waitlisted, promoted, attendance)
            where b.booking_id = c.booking_id
            """,
            changes.Select(c => c.Id).ToArray(), changes.Select(c => c.Change.Status).ToArray(),
            changes.Select(c => c.Change.Confirmed).ToArray(), changes.Select(c => c.Change.Waitlisted).ToArray(),
            changes.Select(c => c.Change.Promoted).ToArray(), changes.Select(c => c.Change.Attendance).ToArray());
    }

    private static void Command(NpgsqlBatch batch, string sql, params object?[] values) => batch.BatchCommands.Add(ReadModelSql.BatchCommand(sql, values));

    /// <summary>
    /// What booking events change in a fact row: a status or attendance set (null: left as it is),
    /// flags only ever raised ("ever confirmed", "ever waited", "promoted").
    /// </summary>
    private sealed record BookingChange(string? Status = null, bool Confirmed = false, bool Waitlisted = false, bool Promoted = false, string? Attendance = null)
    {
        /// <summary>The change <paramref name="earlier"/> then <paramref name="later"/> make together.</summary>
        public static BookingChange Merge(BookingChange earlier, BookingChange later) => new(
            later.Status ?? earlier.Status, earlier.Confirmed || later.Confirmed, earlier.Waitlisted || later.Waitlisted,
            earlier.Promoted || later.Promoted, later.Attendance ?? earlier.Attendance);
    }
}
