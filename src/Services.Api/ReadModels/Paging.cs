using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Services.Api.Common;
using Services.Api.Infrastructure;

namespace Services.Api.ReadModels;

/// <summary>A page of a list, in its operation's order (newest first, earliest slot first for availability, by code for territories); <see cref="Next"/> is the cursor of the following page, or null at the end.</summary>
/// <param name="Data">The items of this page, in the list's order: at most `limit` of them.</param>
/// <param name="Next">The cursor of the following page, to pass as `after`; null on the last page.</param>
public sealed record Page<T>(IReadOnlyList<T> Data, string? Next);

/// <summary>
/// Opaque list cursors: the (time, id) of the last item of a page, so that items added meanwhile
/// never shift the next page (no skips, no repeats).
/// </summary>
public readonly record struct PageCursor(DateTimeOffset At, string Id)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    private static readonly long MaxMicros = (DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).Ticks / 10;

    public string Encode() => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
        string.Create(CultureInfo.InvariantCulture, $"{At.ToUnixTimeMilliseconds() * 1000 + At.Ticks % TimeSpan.TicksPerMillisecond / 10}:{Id}")));

    private static bool TryDecode(string? text, out PageCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 200) return false;
        try
        {
            var raw = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
            var colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || !long.TryParse(raw.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var micros)) return false;
            // A crafted cursor: past any instant, or an id PostgreSQL cannot take as text (NUL).
            if (micros > MaxMicros || raw.AsSpan(colon + 1).ContainsAnyInRange('\0', '\x1f')) return false;
            cursor = new PageCursor(DateTimeOffset.UnixEpoch.AddTicks(micros * 10), raw[(colon + 1)..]);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// Checks <c>limit</c> and <c>after</c> of a list request. A cursor must end at an item of this
    /// list (its id has the list's <paramref name="idPrefix"/>): another list's cursor would be read as
    /// a position in this one and silently skip or repeat items.
    /// </summary>
    public static Validation Validate(int? limit, string? after, string idPrefix, out int pageSize, out PageCursor? cursor, int defaultLimit = DefaultLimit, int maxLimit = MaxLimit)
    {
        var validation = new Validation();
        pageSize = limit ?? defaultLimit;
        validation.Range("limit", pageSize, 1, maxLimit);
        cursor = null;
        if (after is not null)
        {
            if (TryDecode(after, out var decoded) && Ids.IsWellFormed(decoded.Id, idPrefix)) cursor = decoded;
            else validation.Add("after", "Not a cursor from this list: pass the 'next' value of the previous page.");
        }
        return validation;
    }

    /// <summary>Builds the page from up to <paramref name="pageSize"/> + 1 rows read newest first.</summary>
    public static Page<T> ToPage<T>(IReadOnlyList<T> rows, int pageSize, Func<T, PageCursor> cursorOf)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(cursorOf);
        var data = rows.Take(pageSize).ToList();
        return new Page<T>(data, rows.Count > pageSize ? cursorOf(data[^1]).Encode() : null);
    }
}
