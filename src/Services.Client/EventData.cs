using System.Text.Json;
using Services.Client.Models;

namespace Services.Client;

/// <summary>An event's data as the record of its type (the contract's <c>x-event-data</c>).</summary>
public static class EventData
{
    /// <summary>
    /// The data as its type's record (<see cref="BookingRequested"/> for <c>booking.requested</c>…); an event
    /// type this client does not know yet (added to the API after it was generated) reads as its <see cref="JsonElement"/>.
    /// </summary>
    public static object ReadData(this EventResponse @event)
    {
        ArgumentNullException.ThrowIfNull(@event);
        return EventDataTypes.ByEventType.TryGetValue(@event.Type, out var type)
            ? @event.Data.Deserialize(type, ServicesClient.JsonOptions)!
            : @event.Data;
    }
}
