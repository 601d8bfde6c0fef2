using Dapper;

namespace Tricircle.Data;

/// <summary>
/// Builds a <c>WHERE</c> of equality filters for list queries. Column names must come from a
/// whitelist the caller checked (they are written into the SQL); values are parameters.
/// </summary>
internal sealed class SqlWhere
{
    private readonly List<string> _conditions = [];

    public DynamicParameters Parameters { get; } = new();

    public static SqlWhere Equal(IEnumerable<KeyValuePair<string, object>> filters)
    {
        var where = new SqlWhere();
        foreach (var (column, value) in filters)
        {
            where.Add($"{column} = @f_{column}", "f_" + column, value);
        }

        return where;
    }

    public SqlWhere Add(string condition, string parameter, object value)
    {
        _conditions.Add(condition);
        Parameters.Add(parameter, value);
        return this;
    }

    public override string ToString() => _conditions.Count == 0 ? "" : " WHERE " + string.Join(" AND ", _conditions);
}
