using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Services.Client;
using Services.Client.Models;

namespace Services.Reliability;

/// <summary>One HTTP exchange of the load: Status 0 means no answer (refused, reset or timed out).</summary>
internal readonly record struct Answer(long SentAt, long AnsweredAt, int Status, bool HasRetryAfter, string? Problem);

/// <summary>A booking the API answered 201 for.</summary>
internal sealed record Acknowledged(string BookingId, Company Company, string BeneficiaryRef);

/// <summary>A booking that ended in a 4xx other than those worth retrying: not expected of this load.</summary>
internal sealed record Refusal(string BeneficiaryRef, int Status, string? Problem);

/// <summary>
/// Concurrent clients, one per company, each booking one slot after another. Every booking carries
/// its own Idempotency-Key and a beneficiaryRef unique to it (<c>{label}-{client}-{n}</c>), so that
/// two bookings made of one request show up as two bookings with one beneficiaryRef. A request that
/// got no answer, a 5xx, a 429 or 409 idempotency_key_in_progress is sent again, with the same key
/// and body, to the next target, until it gets an answer (bounded by <see cref="PendingLimit"/>).
/// </summary>
internal sealed class BookingLoad
{
    /// <summary>How long one booking is retried before it is counted in doubt.</summary>
    public static readonly TimeSpan PendingLimit = TimeSpan.FromSeconds(60);

    /// <summary>
    /// A key still "in progress" after longer than any request may run (the HTTP timeout) belongs to a
    /// request whose node died between committing the booking and storing its answer: the booking
    /// exists (the key was reserved in its transaction) but its answer will never be replayed.
    /// </summary>
    private static readonly TimeSpan InProgressLimit = TimeSpan.FromSeconds(12);

    private static readonly HttpClient Http = new(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(2),
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    })
    { Timeout = TimeSpan.FromSeconds(10) };

    private readonly Marketplace _market;
    private readonly string _label;
    private readonly CancellationTokenSource _stop = new();
    private IReadOnlyList<Uri> _targets;
    private Task _clients = Task.CompletedTask;

    private BookingLoad(Marketplace market, string label, IReadOnlyList<Uri> targets) => (_market, _label, _targets) = (market, label, targets);

    public string Label => _label;

    public ConcurrentQueue<Answer> Answers { get; } = new();

    public ConcurrentQueue<Acknowledged> Acked { get; } = new();

    /// <summary>beneficiaryRefs of bookings that never got a final answer within <see cref="PendingLimit"/>.</summary>
    public ConcurrentQueue<string> InDoubt { get; } = new();

    /// <summary>
    /// Those of <see cref="InDoubt"/> whose key the API answered idempotency_key_in_progress: committed, so
    /// they must exist. The key is reserved in the booking's own transaction, and read back only once
    /// that transaction committed (an answer stored later completes it).
    /// </summary>
    public ConcurrentQueue<string> InDoubtCommitted { get; } = new();

    public ConcurrentQueue<Refusal> Refused { get; } = new();

    public static BookingLoad Start(Marketplace market, string label, IReadOnlyList<Uri> targets)
    {
        var load = new BookingLoad(market, label, targets);
        load._clients = Task.WhenAll(Enumerable.Range(0, market.Companies.Count).Select(client => Task.Run(() => load.RunClientAsync(client))));
        Progress.Log($"{label}: {market.Companies.Count} booking clients started");
        return load;
    }

    /// <summary>Where requests go from now on (a balancer taking a dead node out).</summary>
    public void Retarget(IReadOnlyList<Uri> targets) => Volatile.Write(ref _targets, targets);

    /// <summary>Waits until the clients have had 20 more bookings acknowledged.</summary>
    public Task BookSomeAsync()
    {
        var goal = Acked.Count + 20;
        return Progress.WaitUntilAsync(() => Task.FromResult(Acked.Count >= goal), SuiteOptions.StepLimit, TimeSpan.FromMilliseconds(20), "20 more acknowledged bookings");
    }

    /// <summary>Stops starting bookings; each client finishes the one it is on (answered or in doubt).</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _clients;
        Progress.Log($"{_label}: load stopped; {Acked.Count} acknowledged, {InDoubt.Count} in doubt, {Refused.Count} refused, " +
            $"{Answers.Count} answers ({string.Join(", ", Answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "none" : g.Key)}: {g.Count()}"))})");
    }

    private async Task RunClientAsync(int client)
    {
        var company = _market.Companies[client];
        var random = new Random(client);
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var request = new BookSeatRequest
            {
                SubscriptionId = company.SubscriptionId,
                SlotId = _market.SlotIds[random.Next(_market.SlotIds.Count)],
                Quantity = 1 + random.Next(2),
                BeneficiaryRef = $"{_label}-{client}-{n}",
            };
            await BookAsync(company, request, client + n);
        }
    }

    private async Task BookAsync(Company company, BookSeatRequest request, int rotation)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(request, ServicesClient.JsonOptions);
        var key = Guid.NewGuid().ToString("N");
        var pending = Stopwatch.StartNew();
        Stopwatch? inProgress = null;
        for (var attempt = 0; pending.Elapsed < PendingLimit && !(inProgress?.Elapsed > InProgressLimit); attempt++)
        {
            var targets = Volatile.Read(ref _targets);
            var (answer, bookingId) = await SendAsync(targets[(rotation + attempt) % targets.Count], company.Key, key, body);
            Answers.Enqueue(answer);
            switch (answer.Status)
            {
                case (int)HttpStatusCode.Created:
                    Acked.Enqueue(new Acknowledged(bookingId!, company, request.BeneficiaryRef));
                    return;
                case (int)HttpStatusCode.Conflict when answer.Problem == "idempotency_key_in_progress":
                    inProgress ??= Stopwatch.StartNew();
                    await Task.Delay(RetryPause());
                    continue;
                case (int)HttpStatusCode.Conflict when answer.Problem == "idempotency_key_interrupted":
                    // Committed, and its answer will not come.
                    InDoubt.Enqueue(request.BeneficiaryRef);
                    InDoubtCommitted.Enqueue(request.BeneficiaryRef);
                    return;
                case 0 or (int)HttpStatusCode.TooManyRequests or >= 500:
                    await Task.Delay(RetryPause());
                    continue;
                default:
                    Refused.Enqueue(new Refusal(request.BeneficiaryRef, answer.Status, answer.Problem));
                    return;
            }
        }
        InDoubt.Enqueue(request.BeneficiaryRef);
        if (inProgress is not null) InDoubtCommitted.Enqueue(request.BeneficiaryRef);
    }

    /// <summary>Shorter than the API's Retry-After (1 s), so that the figures show when it recovered, not when clients came back.</summary>
    private static TimeSpan RetryPause() => TimeSpan.FromMilliseconds(100 + Random.Shared.Next(100));

    private static async Task<(Answer Answer, string? BookingId)> SendAsync(Uri target, string apiKey, string idempotencyKey, byte[] body)
    {
        var sent = Stopwatch.GetTimestamp();
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(target, "v1/bookings")) { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        message.Headers.Add(ServicesClient.IdempotencyKeyHeader, idempotencyKey);
        try
        {
            using var response = await Http.SendAsync(message);
            var (problemType, id) = TypeAndId(await response.Content.ReadAsStringAsync());
            var problem = problemType?[(problemType.LastIndexOf('/') + 1)..];
            return (new Answer(sent, Stopwatch.GetTimestamp(), (int)response.StatusCode, response.Headers.RetryAfter is not null, problem), id);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return (new Answer(sent, Stopwatch.GetTimestamp(), 0, false, null), null);
        }
    }

    /// <summary>A problem's type or a booking's id; nulls for a body that is no JSON object.</summary>
    private static (string? Type, string? Id) TypeAndId(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind != JsonValueKind.Object) return (null, null);
            string? Field(string name) => json.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            return (Field("type"), Field("id"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}
