using System.Text.Json.Nodes;

namespace Services.Hostile;

internal sealed record Parameter(string Name, string In, JsonObject Schema, bool Required);

/// <summary>One operation of the OpenAPI document, its request body schema resolved (null when it takes none).</summary>
internal sealed record Operation(string Method, string Path, string Id, IReadOnlyList<Parameter> Parameters, JsonObject? Body, bool BodyRequired)
{
    public IEnumerable<Parameter> PathParameters => Parameters.Where(p => p.In == "path");

    public IEnumerable<Parameter> QueryParameters => Parameters.Where(p => p.In == "query");

    public bool IsRead => Method == "GET";

    public override string ToString() => $"{Id} ({Method} {Path})";
}

/// <summary>The running API's own OpenAPI document: the operations to attack and the shapes of their bodies.</summary>
internal sealed class ApiDocument(JsonObject root)
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    public IReadOnlyList<Operation> Operations { get; } = ReadOperations(root);

    public static async Task<ApiDocument> LoadAsync(Wire wire, string operatorKey)
    {
        var answer = await wire.SendAsync(new Probe("GET", "/openapi/v1.json", operatorKey));
        if (answer.Status != 200) throw new InvalidOperationException($"GET /openapi/v1.json answered {answer.Status}: {answer.Excerpt()}");
        return new ApiDocument(JsonNode.Parse(answer.Body)!.AsObject());
    }

    private static List<Operation> ReadOperations(JsonObject root)
    {
        var operations = new List<Operation>();
        foreach (var (path, item) in root["paths"]!.AsObject())
        {
            foreach (var method in Methods)
            {
                if (item![method] is not JsonObject operation) continue;
                var parameters = (operation["parameters"]?.AsArray() ?? [])
                    .Select(p => new Parameter(p!["name"]!.GetValue<string>(), p["in"]!.GetValue<string>(),
                        Resolve(root, p["schema"]?.AsObject() ?? []), p["required"]?.GetValue<bool>() ?? false))
                    .ToList();
                var body = operation["requestBody"]?["content"]?["application/json"]?["schema"]?.AsObject();
                operations.Add(new Operation(method.ToUpperInvariant(), path,
                    operation["operationId"]?.GetValue<string>() ?? $"{method} {path}",
                    parameters, body is null ? null : Resolve(root, body), operation["requestBody"]?["required"]?.GetValue<bool>() ?? false));
            }
        }
        return operations;
    }

    /// <summary>
    /// Inlines $ref and drops the null branch of nullable unions ({"oneOf":[{"type":"null"}, X]} → X,
    /// {"type":["null","string"]} → {"type":"string"}), marking the result "nullable".
    /// </summary>
    public static JsonObject Resolve(JsonObject root, JsonObject schema, int depth = 0)
    {
        if (depth > 20) return [];
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            var name = reference[(reference.LastIndexOf('/') + 1)..];
            return Resolve(root, root["components"]!["schemas"]![name]!.AsObject(), depth + 1);
        }
        if (schema["oneOf"] is JsonArray branches)
        {
            var value = branches.OfType<JsonObject>().FirstOrDefault(b => b["type"]?.GetValue<string>() != "null");
            if (value is null) return [];
            var resolved = Resolve(root, value, depth + 1);
            resolved["nullable"] = true;
            return resolved;
        }
        var copy = (JsonObject)schema.DeepClone();
        if (copy["type"] is JsonArray types)
        {
            var type = types.Select(t => t!.GetValue<string>()).FirstOrDefault(t => t != "null");
            copy["type"] = type;
            copy["nullable"] = true;
        }
        if (copy["properties"] is JsonObject properties)
        {
            foreach (var name in properties.Select(p => p.Key).ToList())
                properties[name] = Resolve(root, properties[name]!.AsObject(), depth + 1);
        }
        if (copy["items"] is JsonObject items) copy["items"] = Resolve(root, items, depth + 1);
        return copy;
    }
}

/// <summary>Reading the resolved schemas.</summary>
internal static class Schemas
{
    public static string? Type(this JsonObject schema) =>
        schema["type"]?.GetValue<string>() ?? (schema["enum"] is not null ? "enum" : schema["format"] is not null ? "string" : null);

    public static string? Format(this JsonObject schema) => schema["format"]?.GetValue<string>();

    public static IEnumerable<string> EnumValues(this JsonObject schema) =>
        (schema["enum"]?.AsArray() ?? []).Where(v => v is not null).Select(v => v!.GetValue<string>());

    public static IEnumerable<(string Name, JsonObject Schema, bool Required)> Properties(this JsonObject schema)
    {
        var required = (schema["required"]?.AsArray() ?? []).Select(r => r!.GetValue<string>()).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, property) in schema["properties"]?.AsObject() ?? [])
            yield return (name, property!.AsObject(), required.Contains(name));
    }
}
