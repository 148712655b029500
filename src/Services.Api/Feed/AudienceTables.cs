using Npgsql;
using Services.Api.Beneficiaries;
using Services.Api.Bookings;
using Services.Api.Catalog;
using Services.Api.Needs;
using Services.Api.Offers;
using Services.Api.ReadModels;
using Services.Api.Slots;
using Services.Api.Subscriptions;
using Services.EventStore;
using Services.EventStore.Projections;

namespace Services.Api.Feed;

/// <summary>
/// The lookup tables a shard keeps for <see cref="EventAudience"/> (offer → club and providers,
/// slot → offer, subscription → company and club, booking → company and offer, need → company and
/// territory, beneficiary → offers booked for it with contact details), named <c>{prefix}_offers</c> etc. Each shard has its own copy: a shard reads only its tables.
/// Per page: the rows the page refers to are loaded in one round trip, the page is walked in feed
/// order (each event first updates the lookups, then gets its audience), and changed rows are
/// written back in the page's transaction.
/// </summary>
internal sealed class AudienceTables(string prefix)
{
    public IReadOnlyList<string> Tables { get; } = [$"{prefix}_offers", $"{prefix}_slots", $"{prefix}_subscriptions", $"{prefix}_bookings", $"{prefix}_needs", $"{prefix}_beneficiaries"];

    /// <summary>The audience of each event of the page, in page order; lookup changes are added to <paramref name="batch"/>.</summary>
    public async Task<IReadOnlyList<IReadOnlyList<string>>> AudiencesAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, PageBatch batch, CancellationToken cancellationToken)
    {
        var lookups = new PageLookups();
        await LoadAsync(page, context, lookups, cancellationToken);
        var audiences = new List<IReadOnlyList<string>>(page.Count);
        var booked = new List<(string BookingId, BookingParties Parties)>();
        foreach (var recorded in page)
        {
            Observe(recorded, lookups, batch, booked);
            audiences.Add(EventAudience.Of(recorded.StreamId, recorded.Data, lookups));
        }
        // Every booking adds a row: one statement for the page's, not one each (nothing else writes the table).
        if (booked.Count > 0)
        {
            batch.Add($"insert into {prefix}_bookings (booking_id, company_id, offer_id) select * from unnest($1::text[], $2::text[], $3::text[]) on conflict (booking_id) do nothing",
                booked.Select(b => b.BookingId).ToArray(), booked.Select(b => b.Parties.CompanyId).ToArray(), booked.Select(b => b.Parties.OfferId).ToArray());
        }
        return audiences;
    }

    public async Task TruncateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IEnumerable<string> alsoTables, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"truncate {string.Join(", ", Tables.Concat(alsoTables))}", connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task LoadAsync(IReadOnlyList<RecordedEvent> page, ProjectionContext context, PageLookups lookups, CancellationToken cancellationToken)
    {
        HashSet<string> offers = [], slots = [], subscriptions = [], bookings = [], needs = [];
        HashSet<(string CompanyId, string BeneficiaryRef)> beneficiaries = [];
        foreach (var recorded in page)
        {
            if (recorded.Data is null) continue;
            var type = recorded.StreamId[..Math.Max(0, recorded.StreamId.IndexOf('-', StringComparison.Ordinal))];
            var id = ReadModelValues.EntityId(recorded.StreamId);
            switch (type)
            {
                case Offer.StreamType: offers.Add(id); break;
                case Slot.StreamType: slots.Add(id); break;
                case Subscription.StreamType: subscriptions.Add(id); break;
                case Booking.StreamType: bookings.Add(id); break;
                case Need.StreamType: needs.Add(id); break;
            }
            if (recorded.Data is SlotScheduled s) offers.Add(s.OfferId);
            if (recorded.Data is BookingRequested b) offers.Add(b.OfferId);
            if (recorded.Data is BookingRequested { Contact: not null } withContact) beneficiaries.Add((withContact.CompanyId, withContact.BeneficiaryRef));
            if (recorded.Data is BeneficiaryErased erased) beneficiaries.Add((erased.CompanyId, erased.BeneficiaryRef));
        }

        await using (var batch = new NpgsqlBatch(context.Connection, context.Transaction))
        {
            Add(batch, $"select slot_id, offer_id from {prefix}_slots where slot_id = any($1)", slots);
            Add(batch, $"select subscription_id, company_id, club_id from {prefix}_subscriptions where subscription_id = any($1)", subscriptions);
            Add(batch, $"select booking_id, company_id, offer_id from {prefix}_bookings where booking_id = any($1)", bookings);
            Add(batch, $"select need_id, company_id, territory from {prefix}_needs where need_id = any($1)", needs);
            var byBeneficiary = new NpgsqlBatchCommand($"""
                select b.company_id, b.beneficiary_ref, b.offer_ids from {prefix}_beneficiaries b
                join unnest($1::text[], $2::text[]) k(company_id, beneficiary_ref) using (company_id, beneficiary_ref)
                """);
            byBeneficiary.Parameters.Add(new NpgsqlParameter { Value = beneficiaries.Select(k => k.CompanyId).ToArray() });
            byBeneficiary.Parameters.Add(new NpgsqlParameter { Value = beneficiaries.Select(k => k.BeneficiaryRef).ToArray() });
            batch.BatchCommands.Add(byBeneficiary);
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) lookups.Slots[reader.GetString(0)] = reader.GetString(1);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) lookups.Subscriptions[reader.GetString(0)] = new(reader.GetString(1), reader.GetString(2));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) lookups.Bookings[reader.GetString(0)] = new(reader.GetString(1), reader.GetString(2));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) lookups.Needs[reader.GetString(0)] = new(reader.GetString(1), reader.GetString(2));
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                lookups.Beneficiaries[(reader.GetString(0), reader.GetString(1))] = [.. reader.GetFieldValue<string[]>(2)];
        }
        offers.UnionWith(lookups.Slots.Values);
        offers.UnionWith(lookups.Bookings.Values.Select(b => b.OfferId));
        offers.UnionWith(lookups.Beneficiaries.Values.SelectMany(offerIds => offerIds));
        if (offers.Count == 0) return;
        await using var command = context.CreateCommand($"select offer_id, club_id, provider_ids, providers_ever_listed from {prefix}_offers where offer_id = any($1)");
        command.Parameters.Add(new NpgsqlParameter { Value = offers.ToArray() });
        await using var offerReader = await command.ExecuteReaderAsync(cancellationToken);
        while (await offerReader.ReadAsync(cancellationToken))
            lookups.Offers[offerReader.GetString(0)] = new(offerReader.GetString(1), offerReader.GetFieldValue<string[]>(2), offerReader.GetFieldValue<string[]>(3));
    }

    private static void Add(NpgsqlBatch batch, string sql, HashSet<string> ids)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = ids.ToArray() });
        batch.BatchCommands.Add(command);
    }

    private void Observe(RecordedEvent recorded, PageLookups lookups, PageBatch batch, List<(string BookingId, BookingParties Parties)> booked)
    {
        switch (recorded.Data)
        {
            case OfferPublished e:
                lookups.Offers[e.OfferId] = new(e.ClubId, [.. e.ProviderIds], [.. e.ProviderIds]);
                batch.Add($"insert into {prefix}_offers (offer_id, club_id, provider_ids, providers_ever_listed) values ($1, $2, $3, $3) on conflict (offer_id) do update set club_id = excluded.club_id, provider_ids = excluded.provider_ids, providers_ever_listed = excluded.providers_ever_listed",
                    e.OfferId, e.ClubId, e.ProviderIds.ToArray());
                break;
            case OfferRevised e:
                var offerId = ReadModelValues.EntityId(recorded.StreamId);
                if (lookups.Offers.TryGetValue(offerId, out var offer))
                    lookups.Offers[offerId] = offer with { ProviderIds = [.. e.ProviderIds], ProvidersEverListed = [.. offer.ProvidersEverListed.Union(e.ProviderIds, StringComparer.Ordinal)] };
                batch.Add($"""
                    update {prefix}_offers set provider_ids = $2,
                        providers_ever_listed = array(select distinct p from unnest(providers_ever_listed || $2) p order by p)
                    where offer_id = $1
                    """, offerId, e.ProviderIds.ToArray());
                break;
            case SlotScheduled e:
                lookups.Slots[e.SlotId] = e.OfferId;
                batch.Add($"insert into {prefix}_slots (slot_id, offer_id) values ($1, $2) on conflict (slot_id) do nothing", e.SlotId, e.OfferId);
                break;
            case Subscribed e:
                lookups.Subscriptions[e.SubscriptionId] = new(e.CompanyId, e.ClubId);
                batch.Add($"insert into {prefix}_subscriptions (subscription_id, company_id, club_id) values ($1, $2, $3) on conflict (subscription_id) do nothing",
                    e.SubscriptionId, e.CompanyId, e.ClubId);
                break;
            case BookingRequested e:
                var parties = new BookingParties(e.CompanyId, e.OfferId);
                lookups.Bookings[e.BookingId] = parties;
                booked.Add((e.BookingId, parties));
                if (e.Contact is not null) ObserveContact(e.CompanyId, e.BeneficiaryRef, e.OfferId, lookups, batch);
                break;
            case BookingContactChanged { Contact: not null } e:
                // Details given after booking reach the offer's parties as well: they hear of the erasure too.
                if (lookups.Booking(ReadModelValues.EntityId(recorded.StreamId)) is { } booking)
                    ObserveContact(booking.CompanyId, e.BeneficiaryRef, booking.OfferId, lookups, batch);
                break;
            case NeedRecorded e:
                lookups.Needs[e.NeedId] = new(e.CompanyId, e.Territory);
                batch.Add($"insert into {prefix}_needs (need_id, company_id, territory) values ($1, $2, $3) on conflict (need_id) do nothing",
                    e.NeedId, e.CompanyId, e.Territory);
                break;
        }
    }

    /// <summary>Remembers that the beneficiary was booked on the offer with contact details: the offer's parties then hear of its erasure.</summary>
    private void ObserveContact(string companyId, string beneficiaryRef, string offerId, PageLookups lookups, PageBatch batch)
    {
        if (!lookups.Beneficiaries.TryGetValue((companyId, beneficiaryRef), out var offerIds))
            lookups.Beneficiaries[(companyId, beneficiaryRef)] = offerIds = [];
        if (offerIds.Contains(offerId)) return;
        offerIds.Add(offerId);
        batch.Add($"""
            insert into {prefix}_beneficiaries as b (company_id, beneficiary_ref, offer_ids) values ($1, $2, array[$3::text])
            on conflict (company_id, beneficiary_ref) do update
            set offer_ids = case when $3 = any(b.offer_ids) then b.offer_ids else b.offer_ids || $3::text end
            """, companyId, beneficiaryRef, offerId);
    }

    private sealed class PageLookups : IAudienceLookups
    {
        public Dictionary<string, OfferParties> Offers { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Slots { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, SubscriptionParties> Subscriptions { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, BookingParties> Bookings { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, NeedParties> Needs { get; } = new(StringComparer.Ordinal);
        public Dictionary<(string CompanyId, string BeneficiaryRef), List<string>> Beneficiaries { get; } = [];

        public OfferParties? Offer(string offerId) => Offers.GetValueOrDefault(offerId);

        public string? OfferOfSlot(string slotId) => Slots.GetValueOrDefault(slotId);

        public SubscriptionParties? Subscription(string subscriptionId) => Subscriptions.GetValueOrDefault(subscriptionId);

        public BookingParties? Booking(string bookingId) => Bookings.GetValueOrDefault(bookingId);

        public NeedParties? Need(string needId) => Needs.GetValueOrDefault(needId);

        public IReadOnlyList<string> OffersBookedWithContact(string companyId, string beneficiaryRef) =>
            Beneficiaries.TryGetValue((companyId, beneficiaryRef), out var offerIds) ? offerIds : [];
    }
}
