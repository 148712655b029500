namespace Services.Api.ReadModels;

/// <summary>
/// A page's writes to one table, folded per row before any SQL: a row created in the page is
/// inserted once, with every later change of the page already applied (an insert, not an insert
/// then updates); the changes to rows created before are merged per row and written by one update.
/// </summary>
/// <remarks>
/// The result equals applying the events one by one, however the feed is split into pages, as long
/// as <c>merge</c> equals applying two changes in order and a row's changes touch nothing else. An
/// insert that reads other tables (a lookup) must see them as they were at its event: the caller
/// takes the pending inserts out (<see cref="TakeInserts"/>) before writing what they read.
/// </remarks>
internal sealed class RowFold<TRow, TChange>(Func<TChange, TChange, TChange> merge) where TChange : class
{
    private readonly List<string> _insertOrder = [];
    private readonly Dictionary<string, (TRow Row, TChange? Change)> _inserts = new(StringComparer.Ordinal);
    private readonly List<string> _changeOrder = [];
    private readonly Dictionary<string, TChange> _changes = new(StringComparer.Ordinal);

    public void Insert(string id, TRow row)
    {
        if (_inserts.TryAdd(id, (row, null))) _insertOrder.Add(id);
    }

    public void Change(string id, TChange change)
    {
        if (_inserts.TryGetValue(id, out var pending))
            _inserts[id] = (pending.Row, pending.Change is null ? change : merge(pending.Change, change));
        else if (_changes.TryGetValue(id, out var earlier))
            _changes[id] = merge(earlier, change);
        else
        {
            _changes[id] = change;
            _changeOrder.Add(id);
        }
    }

    /// <summary>The rows to insert so far, in event order, each with its folded change (null: none); later changes to them go to <see cref="TakeChanges"/>.</summary>
    public List<(TRow Row, TChange? Change)> TakeInserts()
    {
        var rows = _insertOrder.Select(id => _inserts[id]).ToList();
        _insertOrder.Clear();
        _inserts.Clear();
        return rows;
    }

    /// <summary>The merged change of each row created before, in the order of each row's first change.</summary>
    public List<(string Id, TChange Change)> TakeChanges()
    {
        var changes = _changeOrder.Select(id => (id, _changes[id])).ToList();
        _changeOrder.Clear();
        _changes.Clear();
        return changes;
    }
}
