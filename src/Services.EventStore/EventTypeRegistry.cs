using System.Collections.Concurrent;
using System.Text.Json;

namespace Services.EventStore;

/// <summary>
/// Maps event CLR types to stable names stored with each event, so types can be renamed or moved
/// without breaking stored history. Names are registered explicitly, never derived from type names.
/// </summary>
public sealed class EventTypeRegistry
{
    private readonly ConcurrentDictionary<Type, string> _names = new();
    private readonly ConcurrentDictionary<string, Type> _types = new(StringComparer.Ordinal);

    public EventTypeRegistry(JsonSerializerOptions serializerOptions) => SerializerOptions = serializerOptions;

    public JsonSerializerOptions SerializerOptions { get; }

    public EventTypeRegistry Register<TEvent>(string name) where TEvent : class => Register(typeof(TEvent), name);

    public EventTypeRegistry Register(Type type, string name)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!_types.TryAdd(name, type) && _types[name] != type)
            throw new InvalidOperationException($"Event type name '{name}' is already registered for {_types[name]}.");
        if (!_names.TryAdd(type, name) && _names[type] != name)
            throw new InvalidOperationException($"{type} is already registered as '{_names[type]}'.");
        return this;
    }

    public string NameOf(Type type) =>
        _names.TryGetValue(type, out var name)
            ? name
            : throw new ArgumentException($"Event type {type} is not registered; register it with a stable name before appending it.", nameof(type));

    public bool TryGetType(string name, out Type type) => _types.TryGetValue(name, out type!);

    public IReadOnlyCollection<string> Names => (IReadOnlyCollection<string>)_types.Keys;

    internal string Serialize(object @event) => JsonSerializer.Serialize(@event, @event.GetType(), SerializerOptions);

    /// <summary>Null for a name this process does not know: readers skip what they do not understand.</summary>
    internal object? Deserialize(string name, string json) =>
        _types.TryGetValue(name, out var type) ? JsonSerializer.Deserialize(json, type, SerializerOptions) : null;
}
