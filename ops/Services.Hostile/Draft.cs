using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Services.Hostile;

/// <summary>A place in a JSON body: a property of an object or an item of an array.</summary>
internal sealed record Spot(JsonNode Parent, string? Property, int Index)
{
    public JsonNode? Node => Parent is JsonObject o ? o[Property!] : Parent.AsArray()[Index];

    public JsonValueKind Kind => Node?.GetValueKind() ?? JsonValueKind.Null;

    public void Set(JsonNode? value)
    {
        if (Parent is JsonObject o) o[Property!] = value;
        else Parent.AsArray()[Index] = value;
    }

    public void Remove()
    {
        if (Parent is JsonObject o) o.Remove(Property!);
        else Parent.AsArray().RemoveAt(Index);
    }
}

/// <summary>A request being built by the fuzzer: a well-formed start that mutations then break.</summary>
internal sealed class Draft(string method, string path, Dictionary<string, string> segments, List<(string Name, string Value)> query, JsonNode? body, string? key)
{
    private const string Hole = "hostile-hole-5f1c2a";
    private string? _raw;

    public string Method { get; set; } = method;
    public string Path { get; set; } = path;
    public Dictionary<string, string> Segments { get; } = segments;
    public List<(string Name, string Value)> Query { get; } = query;
    public JsonNode? Body { get; set; } = body;
    public string? Key { get; set; } = key;
    public string? ContentType { get; set; } = "application/json";
    public List<KeyValuePair<string, string>> Headers { get; } = [];
    public bool Chunked { get; set; }
    public byte[]? RawBytes { get; set; }

    /// <summary>Every place in the body, the deepest last.</summary>
    public List<Spot> Spots()
    {
        var spots = new List<Spot>();
        void Walk(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject o:
                    foreach (var name in o.Select(p => p.Key).ToList())
                    {
                        spots.Add(new Spot(o, name, -1));
                        Walk(o[name]);
                    }
                    break;
                case JsonArray a:
                    for (var i = 0; i < a.Count; i++)
                    {
                        spots.Add(new Spot(a, null, i));
                        Walk(a[i]);
                    }
                    break;
            }
        }
        Walk(Body);
        return spots;
    }

    /// <summary>Puts raw JSON text (not necessarily valid JSON) at a spot; only one per draft.</summary>
    public void SetRaw(Spot spot, string rawJson)
    {
        spot.Set(JsonValue.Create(Hole));
        _raw = rawJson;
    }

    /// <summary>Replaces the whole body with raw text.</summary>
    public void SetRawBody(string rawText)
    {
        Body = JsonValue.Create(Hole);
        _raw = rawText;
    }

    public Probe ToProbe()
    {
        var path = Segments.Aggregate(Path, (p, s) => p.Replace("{" + s.Key + "}", s.Value, StringComparison.Ordinal));
        if (Query.Count > 0) path += "?" + string.Join('&', Query.Select(q => q.Value.Length == 0 && q.Name.EndsWith('!') ? q.Name[..^1] : $"{q.Name}={q.Value}"));
        return new Probe(Method, path, Key) { Body = RawBytes ?? BodyBytes(), ContentType = ContentType, Headers = Headers, Chunked = Chunked };
    }

    private byte[]? BodyBytes()
    {
        if (Body is null) return null;
        // Relaxed escaping: odd characters travel as they are, not as \u escapes the server would decode anyway.
        var text = Body.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        if (_raw is not null) text = text.Replace(JsonSerializer.Serialize(Hole), _raw, StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text);
    }
}
