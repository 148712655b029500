using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Services.Hostile;

internal sealed record FuzzResult(int Requests, int ServerErrors, int Hangs, int NotProblem);

/// <summary>
/// Part 5: requests built from the document's operations and schemas, then broken in one way
/// each (body, path, query, headers or method). Request i is generated from (seed, i) alone, so a
/// run is replayed with --seed whatever the concurrency. Every answer must be below 500, in time,
/// and every 4xx a problem document.
/// </summary>
internal sealed class Fuzzer(ApiDocument document, World world, Wire wire)
{
    private const int Parallelism = 8;
    private const int Shown = 8;
    private static readonly Kind[] Kinds = Enum.GetValues<Kind>();

    public async Task<FuzzResult> RunAsync(int seed, int count)
    {
        var failures = new ConcurrentDictionary<string, ConcurrentQueue<string>>();
        var statuses = new ConcurrentDictionary<int, int>();
        int serverErrors = 0, hangs = 0, notProblem = 0, done = 0, cutOff = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (index, ct) =>
        {
            var (probe, mutation) = Generate(seed, index);
            var answer = await wire.SendAsync(probe, ct);
            statuses.AddOrUpdate(answer.Status, 1, (_, n) => n + 1);
            string? failure = answer switch
            {
                { TimedOut: true } => Record(ref hangs, "hang"),
                { Status: >= 500 } => Record(ref serverErrors, "5xx"),
                // Refusing an oversized upload by closing the connection mid-body is fine: it must stop reading somewhere.
                { Status: 0 } when probe.Body?.Length > Wire.BodyLimit => Ignore(ref cutOff),
                { Status: 0 } => Record(ref serverErrors, "connection dropped without an answer (counted as 5xx)"),
                { Status: >= 400 } when !answer.IsProblemDocument => Record(ref notProblem, "not a problem document"),
                _ => null,
            };
            if (failure is not null)
            {
                var shown = failures.GetOrAdd(failure, _ => new ConcurrentQueue<string>());
                if (shown.Count < Shown)
                    shown.Enqueue($"#{index} [{mutation}] {probe.Describe(200)}\n    → {(answer.TimedOut ? "no answer in time" : $"{answer.Status} {answer.ContentType} {answer.Excerpt(200)}")}");
            }
            var total = Interlocked.Increment(ref done);
            if (total % 1000 == 0) Console.Error.WriteLine($"fuzz: {total}/{count} sent; 5xx {serverErrors}, hangs {hangs}, not problem {notProblem}, 429 waited {wire.RateLimited}");
        });
        Console.Error.WriteLine("fuzz: statuses " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Console.Error.WriteLine($"fuzz: {cutOff} uploads over the body limit were cut off by the server closing the connection (not counted as failures)");
        foreach (var (kind, shown) in failures)
        {
            Console.Error.WriteLine($"fuzz: first {kind} failures (replay: --seed {seed}, request #):");
            foreach (var line in shown) Console.Error.WriteLine("  " + line);
        }
        return new FuzzResult(count, serverErrors, hangs, notProblem);
    }

    private static string? Ignore(ref int counter)
    {
        Interlocked.Increment(ref counter);
        return null;
    }

    private static string Record(ref int counter, string kind)
    {
        Interlocked.Increment(ref counter);
        return kind;
    }

    /// <summary>Request <paramref name="index"/> of the run: a well-formed call of a random operation as a random side-A organization, broken once.</summary>
    public (Probe Probe, string Mutation) Generate(int seed, int index)
    {
        var random = new Random(HashCode.Combine(seed, index) ^ (seed * 31 + index));
        var operation = random.Pick(document.Operations);
        var kind = random.Pick(Kinds);
        var org = world.A.Of(kind);
        // The operator may do anything, so it only calls operations without ids: with the world's ids it could rebuild read models mid-run.
        var key = !operation.PathParameters.Any() && random.Next(6) == 0 ? world.OperatorKey : org.FuzzKeys.Count > 0 ? random.Pick(org.FuzzKeys) : org.Key;
        string? Value(string name) => world.A.Value(name, kind, world.Projection);
        var samples = new Samples(Value);
        var draft = new Draft(operation.Method, operation.Path,
            operation.PathParameters.ToDictionary(p => p.Name, p => Uri.EscapeDataString(Value(p.Name)!)),
            [.. operation.QueryParameters.Where(_ => random.Next(3) == 0).Select(p => (p.Name, Uri.EscapeDataString(samples.Value(p.Schema, p.Name)!.ToString())))],
            operation.Body is null ? null : samples.Body(operation.Body), key);
        var roll = random.Next(100);
        var mutation = roll switch
        {
            < 50 => operation.Body is null ? UnexpectedBody(draft, random) : BreakBody(draft, random),
            < 62 when draft.Segments.Count > 0 => BreakPath(draft, random),
            < 75 => BreakQuery(draft, random, operation),
            < 96 => BreakHeaders(draft, random),
            _ => BreakMethod(draft, random),
        };
        return (draft.ToProbe(), $"{operation.Id} {mutation}");
    }

    private static string BreakBody(Draft draft, Random random)
    {
        var spots = draft.Spots();
        Spot? Any(Func<Spot, bool>? where = null)
        {
            var candidates = where is null ? spots : spots.Where(where).ToList();
            if (candidates.Count == 0) candidates = spots;
            return candidates.Count == 0 ? null : random.Pick(candidates);
        }
        switch (random.Next(13))
        {
            case 0 when Any() is { } spot:
                spot.Set(random.Pick<JsonNode?>([123, -1, true, null, "text", new JsonArray(), new JsonObject(), 1.5, new JsonArray(1, 2), new JsonObject { ["a"] = 1 }])?.DeepClone());
                return "wrong type";
            case 1 when Any(s => s.Parent is JsonObject) is { } spot:
                spot.Remove();
                return "missing field";
            case 2:
                var parent = Any(s => s.Node is JsonObject)?.Node as JsonObject ?? draft.Body as JsonObject;
                if (parent is null) break;
                parent["hostile" + random.Next(1000)] = random.Next(2) == 0 ? 1 : "x";
                return "unknown field";
            case 3 when Any(s => s.Kind == JsonValueKind.String) is { } spot:
                spot.Set(Hostility.Huge(random, random.Pick([1_000, 70_000, 120_000, 400_000])));
                return "huge string";
            case 4 when Any(s => s.Kind == JsonValueKind.Array) is { } spot:
                var items = random.Pick([1_000, 20_000, 100_000]);
                var item = (spot.Node as JsonArray)?.FirstOrDefault()?.ToJsonString() ?? "\"x\"";
                draft.SetRaw(spot, "[" + string.Join(',', Enumerable.Repeat(item, items)) + "]");
                return $"huge array ({items})";
            case 5 when Any() is { } spot:
                var depth = random.Pick([33, 64, 1_000, 50_000]);
                draft.SetRaw(spot, Hostility.Deep(depth, random.Next(2) == 0));
                return $"deep nesting ({depth})";
            case 6 when Any(s => s.Kind == JsonValueKind.String) is { } spot:
                draft.SetRaw(spot, random.Pick(Hostility.UnicodeLiterals));
                return "odd unicode";
            case 7 when Any(s => s.Kind == JsonValueKind.Number) is { } spot:
                draft.SetRaw(spot, random.Pick(Hostility.NumberTokens));
                return "odd number";
            case 8 when Any(s => s.Kind == JsonValueKind.String) is { } spot:
                spot.Set(random.Pick(Hostility.Injections));
                return "injection";
            case 9 when Any() is { } spot:
                spot.Set(null);
                return "null";
            case 10:
                var valid = draft.ToProbe().Body ?? [];
                var broken = random.Pick(Hostility.BrokenUtf8);
                var at = valid.Length == 0 ? 0 : Math.Max(0, Array.LastIndexOf(valid, (byte)'"') - 0);
                draft.RawBytes = [.. valid.AsSpan(0, at), .. broken, .. valid.AsSpan(at)];
                return "broken UTF-8";
            case 11:
                draft.SetRawBody(random.Pick(Hostility.Bodies));
                return "not the expected body";
        }
        return HugeBody(draft, random);
    }

    private static string HugeBody(Draft draft, Random random)
    {
        var valid = draft.ToProbe().Body ?? "{}"u8.ToArray();
        var size = random.Pick([262_000, 270_000, 1_100_000]);
        var padded = new byte[Math.Max(size, valid.Length)];
        Array.Fill(padded, (byte)' ');
        valid.CopyTo(padded, 0);
        draft.RawBytes = padded;
        draft.Chunked = random.Next(2) == 0;
        return $"huge body ({size}{(draft.Chunked ? ", chunked" : "")})";
    }

    private static string UnexpectedBody(Draft draft, Random random)
    {
        if (random.Next(3) == 0) return HugeBody(draft, random);
        draft.SetRawBody(random.Next(2) == 0 ? random.Pick(Hostility.Bodies) : "{\"hostile\":" + random.Pick(Hostility.UnicodeLiterals) + "}");
        draft.ContentType = random.Next(2) == 0 ? "application/json" : random.Pick(Hostility.ContentTypes);
        return "body where none is expected";
    }

    private static string BreakPath(Draft draft, Random random)
    {
        var name = random.Pick(draft.Segments.Keys.ToList());
        draft.Segments[name] = random.Pick(Hostility.PathValues);
        return $"bad path {name}";
    }

    private static string BreakQuery(Draft draft, Random random, Operation operation)
    {
        var names = operation.QueryParameters.Select(p => p.Name).ToList();
        var name = names.Count > 0 && random.Next(5) > 0 ? random.Pick(names) : "hostile";
        var value = random.Pick(Hostility.QueryValues);
        switch (random.Next(4))
        {
            case 0:
                draft.Query.Add((name, value));
                draft.Query.Add((name, random.Pick(Hostility.QueryValues)));
                return $"repeated query {name}";
            case 1:
                draft.Query.Add((name + "!", ""));
                return $"query {name} without value";
            default:
                draft.Query.RemoveAll(q => q.Name == name);
                draft.Query.Add((name, value));
                return $"bad query {name}";
        }
    }

    private static string BreakHeaders(Draft draft, Random random)
    {
        switch (random.Next(6))
        {
            case 0:
                draft.Body ??= new JsonObject();
                draft.ContentType = random.Next(5) == 0 ? null : random.Pick(Hostility.ContentTypes);
                return "bad Content-Type";
            case 1:
                draft.Headers.Add(new("Idempotency-Key", random.Pick(Hostility.IdempotencyKeys)));
                return "bad Idempotency-Key";
            case 2:
                draft.Headers.Add(new("If-Match", random.Pick(Hostility.IfMatches)));
                return "bad If-Match";
            case 3:
                draft.Key = null;
                draft.Headers.Add(new("Authorization", random.Pick(Hostility.Authorizations)));
                return "bad Authorization";
            case 4:
                draft.Headers.Add(new("Accept", random.Pick(["text/html", "application/xml", "*/*;q=abc", "application/json;q=0", "\"\""])));
                draft.Headers.Add(new("X-Forwarded-For", random.Pick(["1.2.3.4", "' OR 1=1", "999.999.999.999", "::g"])));
                return "odd Accept and forwarding headers";
            default:
                draft.Headers.Add(new("Authorization", "Bearer " + random.Pick(Hostility.Injections.Where(i => !i.Contains('\r', StringComparison.Ordinal)).ToList())));
                return "second Authorization";
        }
    }

    private static string BreakMethod(Draft draft, Random random)
    {
        draft.Method = random.Pick(["PUT", "PATCH", "DELETE", "POST", "OPTIONS", "TRACE", "GET"]);
        if (random.Next(2) == 0) draft.Path += random.Pick(["/x", "/", "//", "/..%2F", ".json", "%20"]);
        return $"{draft.Method} on a changed route";
    }
}
