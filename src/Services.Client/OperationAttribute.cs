namespace Services.Client;

/// <summary>Names the OpenAPI operation a client method calls (checked against api-spec/openapi.json by a test).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class OperationAttribute(string operationId, string method, string path) : Attribute
{
    public string OperationId { get; } = operationId;

    public string Method { get; } = method;

    public string Path { get; } = path;
}
