using System.Runtime.CompilerServices;

namespace Services.Client;

/// <summary>A page of a cursor-paginated list: its items and the cursor of the next page (null at the end).</summary>
public interface IPage<out T>
{
    IReadOnlyList<T> Data { get; }

    string? Next { get; }
}

public static class Pagination
{
    /// <summary>
    /// Every item of a list, page after page, following <c>next</c> cursors. Stops at a null cursor or
    /// an empty page that hands back the cursor sent (a feed's, to poll later): an empty page of a feed filtered
    /// by types that moves the cursor on is followed, as later pages may hold events.
    /// </summary>
    /// <param name="fetchPage">Fetches the page after the given cursor (null: the first page).</param>
    /// <param name="after">The cursor to start after (null: from the start).</param>
    public static async IAsyncEnumerable<T> ListAllAsync<T>(Func<string?, CancellationToken, Task<IPage<T>>> fetchPage, string? after = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var page in ListPagesAsync(fetchPage, after, cancellationToken).ConfigureAwait(false))
        {
            foreach (var item in page.Data) yield return item;
        }
    }

    /// <summary>
    /// The same, page by page, each with its <c>next</c>: a change feed reader stores the <c>next</c> of the
    /// last page it handled and resumes after it, never missing nor repeating an event.
    /// </summary>
    public static async IAsyncEnumerable<IPage<T>> ListPagesAsync<T>(Func<string?, CancellationToken, Task<IPage<T>>> fetchPage, string? after = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fetchPage);
        var cursor = after;
        while (true)
        {
            var page = await fetchPage(cursor, cancellationToken).ConfigureAwait(false);
            yield return page;
            if (page.Next is null || page.Next == cursor) yield break;
            cursor = page.Next;
        }
    }
}
