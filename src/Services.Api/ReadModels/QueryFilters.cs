using System.Text;

namespace Services.Api.ReadModels;

/// <summary>
/// The parameters of a read-model query and the conditions of the filters a request gives, and only
/// those. With <c>($n is null or column = $n)</c> for every filter, PostgreSQL planned the statement
/// again on every call (the planning cost as much as the reading), or, with a generic plan, read the
/// rows the scope's indexes gave and filtered them (a slot's bookings: every booking of the club).
/// A statement naming only its filters has one text per combination of filters given, whose generic
/// plan uses their indexes. Values are always parameters, never text of the statement.
/// </summary>
/// <param name="leading">The parameters <c>$1..</c> the statement's own text names (the caller, the page size).</param>
internal sealed class QueryFilters(params object?[] leading)
{
    private readonly List<object?> _values = [.. leading];
    private readonly StringBuilder _conditions = new();

    /// <summary>Binds <paramref name="value"/> to the next parameter; its placeholder (<c>$n</c>).</summary>
    public string Parameter(object value)
    {
        _values.Add(value);
        return $"${_values.Count}";
    }

    /// <summary>Adds <c>and</c> <paramref name="condition"/>, whose values are <see cref="Parameter"/>s.</summary>
    public void And(string condition) => _conditions.Append(" and ").Append(condition);

    /// <summary>The conditions added, each preceded by <c>and</c>: to follow a <c>where</c>.</summary>
    public string Conditions => _conditions.ToString();

    /// <summary>The values of <c>$1..</c>, for <see cref="ReadModelSql.Command"/>.</summary>
    public object?[] Values => [.. _values];
}
