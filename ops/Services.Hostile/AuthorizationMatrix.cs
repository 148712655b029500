using System.Collections.Concurrent;
using System.Text;

namespace Services.Hostile;

/// <param name="Caller">Who calls, for the report: "club a", "no key", "revoked company key".</param>
/// <param name="Kind">Whose organizationId, keyId, webhookId and deliveryId of the victim side the request names.</param>
internal sealed record AuthorizationCase(Operation Operation, string Caller, string? Key, Side Victim, Kind Kind)
{
    public bool Anonymous => Key is null || Caller.StartsWith("revoked", StringComparison.Ordinal);
}

/// <summary>
/// Part 4: every operation of the document, called by each kind of organization of one side on
/// the other side's resources (both ways), and with no key and a revoked key. A leak is a 2xx
/// that changed or read something of the other side, or any answer that shows the other side's
/// private data (its company, subscription, booking, need, keys, webhooks) that the request did not carry.
/// </summary>
internal sealed class AuthorizationMatrix(ApiDocument document, World world, Wire wire)
{
    private const int Parallelism = 4;

    public async Task<(int Cases, int Leaks)> RunAsync()
    {
        var cases = Build();
        Console.Error.WriteLine($"authz: {cases.Count} cases over {document.Operations.Count} operations");
        var statuses = new ConcurrentDictionary<string, int>();
        var leaks = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(cases, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (@case, ct) =>
        {
            var probe = Request(@case, []);
            var answer = await wire.SendAsync(probe, ct);
            if (MissingQuery(@case.Operation, probe, answer) is { Count: > 0 } missing)
            {
                // A query parameter the document leaves optional but the operation needs (month, …): send it too, so the case tests access, not validation.
                probe = Request(@case, missing);
                answer = await wire.SendAsync(probe, ct);
            }
            var status = answer.TimedOut ? "timeout" : answer.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            if (Leak(@case, probe, answer) is { } why)
                leaks.Add($"LEAK {@case.Operation} as {@case.Caller}: {why}\n    {probe.Describe()}\n    → {answer.Status} {answer.Excerpt(400)}");
            else if (answer.Status is not (401 or 403 or 404) && !answer.IsSuccess)
                Console.Error.WriteLine($"authz: note {@case.Operation} as {@case.Caller} refused with {status}: {answer.Excerpt(160)}");
        });
        Console.Error.WriteLine("authz: statuses " + string.Join(", ", statuses.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}×{s.Value}")));
        foreach (var leak in leaks) Console.Error.WriteLine(leak);
        return (cases.Count, leaks.Count);
    }

    private List<AuthorizationCase> Build()
    {
        var unfillable = document.Operations
            .SelectMany(o => o.PathParameters.Where(p => world.A.Value(p.Name, Kind.Club, world.Projection) is null).Select(p => $"{o} has path parameter '{p.Name}'"))
            .ToList();
        if (unfillable.Count > 0)
            throw new InvalidOperationException("The authorization matrix cannot fill these path parameters from its world; teach World (Side.Value) about them:\n  " + string.Join("\n  ", unfillable));

        var cases = new List<AuthorizationCase>();
        var kinds = Enum.GetValues<Kind>();
        foreach (var (operation, index) in document.Operations.Select((o, i) => (o, i)))
        {
            foreach (var (attacker, victim) in new[] { (world.A, world.B), (world.B, world.A) })
            {
                foreach (var kind in kinds)
                    cases.Add(new AuthorizationCase(operation, $"{kind} {attacker.Label}", attacker.Of(kind).Key, victim, kind));
            }
            var revoked = kinds[index % kinds.Length];
            cases.Add(new AuthorizationCase(operation, "no key", null, world.B, Kind.Company));
            cases.Add(new AuthorizationCase(operation, $"revoked {revoked} key", world.A.Of(revoked).RevokedKey, world.B, revoked));
        }
        return cases;
    }

    /// <summary>The operation aimed at <paramref name="victim"/>'s resources: ids in the path, id filters in the query, ids in a well-formed body.</summary>
    private Probe Request(AuthorizationCase @case, IReadOnlyCollection<string> alsoQuery)
    {
        var operation = @case.Operation;
        string? Value(string name) => @case.Victim.Value(name, @case.Kind, world.Projection);
        var path = operation.PathParameters.Aggregate(operation.Path, (p, parameter) => p.Replace("{" + parameter.Name + "}", Uri.EscapeDataString(Value(parameter.Name)!), StringComparison.Ordinal));
        var samples = new Samples(Value);
        var query = operation.QueryParameters
            .Where(p => p.Required || Value(p.Name) is not null || alsoQuery.Contains(p.Name))
            .Select(p => $"{p.Name}={Uri.EscapeDataString(samples.Value(p.Schema, p.Name)!.ToString())}")
            .ToList();
        if (query.Count > 0) path += "?" + string.Join('&', query);
        var body = operation.Body is null ? null : Encoding.UTF8.GetBytes(samples.Body(operation.Body)!.ToJsonString());
        return new Probe(operation.Method, path, @case.Key) { Body = body };
    }

    /// <summary>The operation's query parameters a 400 names as missing.</summary>
    private static List<string> MissingQuery(Operation operation, Probe probe, Answer answer)
    {
        if (answer.Status != 400) return [];
        try
        {
            var errors = System.Text.Json.Nodes.JsonNode.Parse(answer.Body)?["errors"]?.AsObject();
            return errors is null ? [] : [.. operation.QueryParameters.Select(p => p.Name)
                .Where(name => errors.ContainsKey(name) && !probe.PathAndQuery.Contains(name + "=", StringComparison.Ordinal))];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    /// <summary>Why this answer is a leak, or null when it is not.</summary>
    private static string? Leak(AuthorizationCase @case, Probe probe, Answer answer)
    {
        var asked = probe.Text;
        var shown = @case.Victim.PrivateValues.Where(v => v.Length > 0 && answer.Body.Contains(v, StringComparison.Ordinal) && !asked.Contains(v, StringComparison.Ordinal)).ToList();
        if (shown.Count > 0) return $"the answer shows the other side's private {string.Join(", ", shown)}";
        if (!answer.IsSuccess) return null;
        if (@case.Anonymous) return $"{answer.Status} without a valid key";
        var operation = @case.Operation;
        if (!operation.IsRead && @case.Victim.PublicValues.Concat(@case.Victim.PrivateValues).Any(v => v.Length > 0 && asked.Contains(v, StringComparison.Ordinal)))
            return $"{answer.Status}: a change on the other side's resources was accepted";
        return operation.IsRead && PathIsPrivate(@case.Victim, probe) ? $"{answer.Status}: the other side's private resource was read" : null;
    }

    private static bool PathIsPrivate(Side victim, Probe probe) =>
        victim.PrivateValues.Any(v => v.Length > 0 && Uri.UnescapeDataString(probe.PathAndQuery.Split('?')[0]).Contains(v, StringComparison.Ordinal));
}
