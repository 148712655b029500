using System.Globalization;
using System.Text.Json.Nodes;

namespace Services.Hostile;

internal enum Kind { Club, Company, Provider, Partner }

/// <summary>An organization of the world with its keys and webhook. <see cref="SpareKeyId"/> is the key other organizations try to revoke.</summary>
internal sealed record Org(Kind Kind, string Id, string Name, string Key, string SpareKeyId, string RevokedKey, IReadOnlyList<string> FuzzKeys)
{
    public string WebhookId { get; set; } = "";
    public string WebhookSecret { get; set; } = "";
    public string DeliveryId { get; set; } = "";
    public string? Siret { get; init; }
}

/// <summary>
/// One club's corner of the world, in its own territory: the club, a member company, a provider and
/// a co-funding partner of its offer, the offer's slots, the company's subscription, booking and need.
/// </summary>
internal sealed class Side(string run, string label, string territory)
{
    public string Run { get; } = run;
    public string Label { get; } = label;
    public string Territory { get; } = territory;
    public Dictionary<Kind, Org> Orgs { get; } = [];
    public string OfferId { get; set; } = "";
    public List<string> SlotIds { get; } = [];
    public string SubscriptionId { get; set; } = "";
    public string BookingId { get; set; } = "";
    public string BeneficiaryRef { get; set; } = "";
    public string NeedId { get; set; } = "";

    public Org Of(Kind kind) => Orgs[kind];

    /// <summary>Where this run's webhooks point: a name that never resolves (.invalid), and the run id lets the clean-up find them.</summary>
    public string WebhookUrl => $"https://hooks.invalid/hostile/{Run}";

    /// <summary>
    /// The value this side gives a path, query or body field of that name, seen from an organization of
    /// <paramref name="kind"/> (organizationId, keyId, webhookId, deliveryId are that kind's own); null when the world has none.
    /// </summary>
    public string? Value(string name, Kind kind, string projection) => name switch
    {
        "organizationId" => Of(kind).Id,
        "keyId" => Of(kind).SpareKeyId,
        "clubId" => Of(Kind.Club).Id,
        "companyId" => Of(Kind.Company).Id,
        "partnerId" => Of(Kind.Partner).Id,
        "providerId" or "providerIds" => Of(Kind.Provider).Id,
        "offerId" => OfferId,
        "slotId" => SlotIds[0],
        "subscriptionId" => SubscriptionId,
        "bookingId" => BookingId,
        "needId" => NeedId,
        "webhookId" => Of(kind).WebhookId,
        "deliveryId" => Of(kind).DeliveryId,
        "territory" or "territories" => Territory,
        "beneficiaryRef" => BeneficiaryRef,
        "name" => projection,
        "url" => WebhookUrl,
        _ => null,
    };

    /// <summary>Public by design: clubs, providers, partners, offers, slots and territories are visible to every organization.</summary>
    public IEnumerable<string> PublicValues =>
        [Of(Kind.Club).Id, Of(Kind.Provider).Id, Of(Kind.Partner).Id, Of(Kind.Club).Name, Of(Kind.Provider).Name, Of(Kind.Partner).Name, OfferId, Territory, .. SlotIds];

    /// <summary>What no other organization may ever read: the company and everything it owns, every key, webhook and delivery.</summary>
    public IEnumerable<string> PrivateValues =>
        new[] { Of(Kind.Company).Id, Of(Kind.Company).Name, Of(Kind.Company).Siret!, SubscriptionId, BookingId, BeneficiaryRef, NeedId }
            .Concat(Orgs.Values.SelectMany(o => new[] { o.Key, o.SpareKeyId, o.WebhookId, o.WebhookSecret, o.DeliveryId }.Concat(o.FuzzKeys)));
}

/// <summary>The world the console builds through the API with the operator key: two sides (two clubs), fresh ids every run.</summary>
internal sealed class World
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    public required Side A { get; init; }
    public required Side B { get; init; }
    public required string Projection { get; init; }
    public required string OperatorKey { get; init; }

    public static async Task<World> BuildAsync(Wire wire, string operatorKey, int fuzzKeysPerOrg)
    {
        // Fresh for every run (not from the seed): repeated runs on one database must not share territories or names.
        var run = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(5));
        var projections = await wire.CallAsync("GET", "/v1/admin/projections", operatorKey, null, 200);
        var a = await BuildSideAsync(wire, operatorKey, run, "a", fuzzKeysPerOrg);
        var b = await BuildSideAsync(wire, operatorKey, run, "b", 0);
        return new World { A = a, B = b, OperatorKey = operatorKey, Projection = projections.AsArray()[0]!["name"]!.GetValue<string>() };
    }

    private static async Task<Side> BuildSideAsync(Wire wire, string operatorKey, string run, string label, int fuzzKeys)
    {
        var side = new Side(run, label, $"hostile-{run}-{label}");
        Console.Error.WriteLine($"world: building side {label} in territory {side.Territory}");
        foreach (var kind in Enum.GetValues<Kind>())
            side.Orgs[kind] = await RegisterAsync(wire, operatorKey, side, kind, run, fuzzKeys);
        // Webhooks first, so that the events below give each of them a delivery to aim at.
        foreach (var org in side.Orgs.Values)
        {
            var webhook = await wire.CallAsync("POST", "/v1/webhooks", org.Key,
                new JsonObject { ["url"] = side.WebhookUrl, ["eventTypes"] = new JsonArray("*"), ["description"] = "hostile run" }, 201);
            org.WebhookId = webhook["id"]!.GetValue<string>();
            org.WebhookSecret = webhook["secret"]!.GetValue<string>();
        }
        var club = side.Of(Kind.Club);
        var company = side.Of(Kind.Company);
        await wire.CallAsync("POST", $"/v1/clubs/{club.Id}/members", club.Key, new JsonObject { ["companyId"] = company.Id }, 200);
        var offer = await wire.CallAsync("POST", "/v1/offers", club.Key, new JsonObject
        {
            ["category"] = "concierge",
            ["title"] = $"Hostile concierge {run} {label}",
            ["description"] = "Set up by the hostile-input console.",
            ["territories"] = new JsonArray(side.Territory),
            ["timeZone"] = "Europe/Paris",
            ["monthlyFee"] = new JsonObject { ["amount"] = 1000, ["currency"] = "EUR" },
            ["unitPrice"] = new JsonObject { ["amount"] = 500, ["currency"] = "EUR" },
            ["coFunding"] = new JsonObject { ["partnerId"] = side.Of(Kind.Partner).Id, ["shareBasisPoints"] = 2000 },
            ["providerIds"] = new JsonArray(side.Of(Kind.Provider).Id),
        }, 201);
        side.OfferId = offer["id"]!.GetValue<string>();
        var start = DateTimeOffset.UtcNow.Date.AddDays(10).AddHours(8);
        var slots = new JsonArray();
        for (var i = 0; i < 3; i++)
            slots.Add(new JsonObject { ["start"] = Instant(start.AddDays(i)), ["end"] = Instant(start.AddDays(i).AddHours(2)), ["capacity"] = 5 });
        var scheduled = await wire.CallAsync("POST", $"/v1/offers/{side.OfferId}/slots", club.Key, new JsonObject { ["slots"] = slots }, 201);
        side.SlotIds.AddRange(scheduled["slots"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()));
        var subscription = await wire.CallAsync("POST", "/v1/subscriptions", company.Key, new JsonObject { ["offerId"] = side.OfferId, ["monthlyQuota"] = 40 }, 201);
        side.SubscriptionId = subscription["id"]!.GetValue<string>();
        side.BeneficiaryRef = $"hostile-{run}-{label}-ref";
        var booking = await wire.CallAsync("POST", "/v1/bookings", company.Key, new JsonObject
        {
            ["subscriptionId"] = side.SubscriptionId, ["slotId"] = side.SlotIds[0], ["quantity"] = 1, ["beneficiaryRef"] = side.BeneficiaryRef,
        }, 201);
        side.BookingId = booking["id"]!.GetValue<string>();
        var need = await wire.CallAsync("POST", "/v1/needs", company.Key, new JsonObject
        {
            ["category"] = "childcare", ["territory"] = side.Territory, ["headcount"] = 3, ["description"] = "Hostile run: places for toddlers.",
        }, 201);
        side.NeedId = need["id"]!.GetValue<string>();
        await SettleAsync(wire, side);
        return side;
    }

    private static async Task<Org> RegisterAsync(Wire wire, string operatorKey, Side side, Kind kind, string run, int fuzzKeys)
    {
        var siret = kind == Kind.Company ? NewSiret() : null;
        var name = $"Hostile {kind} {run} {side.Label}";
        var registration = new JsonObject { ["kind"] = kind.ToString().ToLowerInvariant(), ["name"] = name, ["territories"] = new JsonArray(side.Territory) };
        if (siret is not null) registration["siret"] = siret;
        var id = (await wire.CallAsync("POST", "/v1/organizations", operatorKey, registration, 201))["id"]!.GetValue<string>();
        async Task<JsonNode> IssueAsync(string label) =>
            await wire.CallAsync("POST", $"/v1/organizations/{id}/api-keys", operatorKey, new JsonObject { ["label"] = label }, 201);
        var key = (await IssueAsync("hostile"))["key"]!.GetValue<string>();
        var spare = (await IssueAsync("hostile spare"))["id"]!.GetValue<string>();
        var revoked = await IssueAsync("hostile revoked");
        await wire.CallAsync("DELETE", $"/v1/organizations/{id}/api-keys/{revoked["id"]!.GetValue<string>()}", operatorKey, null, 204);
        var fuzz = new List<string>();
        for (var i = 0; i < fuzzKeys; i++) fuzz.Add((await IssueAsync($"hostile fuzz {i}"))["key"]!.GetValue<string>());
        return new Org(kind, id, name, key, spare, revoked["key"]!.GetValue<string>(), fuzz) { Siret = siret };
    }

    /// <summary>Waits until every webhook has a delivery and the company's booking shows in its list, so that lists and feeds have something to leak.</summary>
    private static async Task SettleAsync(Wire wire, Side side)
    {
        var deadline = DateTimeOffset.UtcNow + SettleTimeout;
        foreach (var org in side.Orgs.Values)
        {
            while (true)
            {
                var deliveries = await wire.CallAsync("GET", $"/v1/webhooks/{org.WebhookId}/deliveries", org.Key, null, 200);
                if (deliveries["data"]!.AsArray().FirstOrDefault() is { } delivery)
                {
                    org.DeliveryId = delivery["id"]!.GetValue<string>();
                    break;
                }
                await WaitOrFailAsync(deadline, $"no delivery for webhook {org.WebhookId} of {org.Kind} {org.Id}");
            }
        }
        var company = side.Of(Kind.Company);
        while (!(await wire.CallAsync("GET", "/v1/bookings", company.Key, null, 200)).ToJsonString().Contains(side.BookingId, StringComparison.Ordinal))
            await WaitOrFailAsync(deadline, $"booking {side.BookingId} never showed in its company's list");
    }

    /// <summary>
    /// Deletes every webhook this run registered (the world's, and those the matrix and the fuzzer
    /// made, the operator's included), so that repeated runs do not pile up deliveries to nowhere.
    /// </summary>
    public async Task RemoveWebhooksAsync(Wire wire)
    {
        var removed = 0;
        foreach (var key in A.Orgs.Values.Concat(B.Orgs.Values).Select(o => o.Key).Append(OperatorKey))
        {
            string? after = null;
            do
            {
                var page = await wire.CallAsync("GET", "/v1/webhooks?limit=100" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after)), key, null, 200);
                foreach (var webhook in page["data"]!.AsArray().Where(w => w!["url"]!.GetValue<string>() == A.WebhookUrl))
                {
                    var answer = await wire.SendAsync(new Probe("DELETE", $"/v1/webhooks/{webhook!["id"]!.GetValue<string>()}", key));
                    if (answer.Status == 204) removed++;
                }
                after = page["next"]?.GetValue<string>();
            }
            while (after is not null);
        }
        Console.Error.WriteLine($"world: removed {removed} webhooks of this run");
    }

    private static async Task WaitOrFailAsync(DateTimeOffset deadline, string failure)
    {
        if (DateTimeOffset.UtcNow > deadline) throw new InvalidOperationException($"Setting up the world: {failure} within {SettleTimeout.TotalSeconds} s.");
        await Task.Delay(200);
    }

    public static string Instant(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>A random 13-digit body and the check digit that makes it a valid SIRET (by the API's own rule).</summary>
    private static string NewSiret()
    {
        var body = "8" + Random.Shared.NextInt64(0, 1_000_000_000_000).ToString("D12", CultureInfo.InvariantCulture);
        return Enumerable.Range(0, 10).Select(check => body + check.ToString(CultureInfo.InvariantCulture)).First(Services.Api.Organizations.Siret.IsValid);
    }
}
