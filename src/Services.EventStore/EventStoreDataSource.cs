using System.Data.Common;
using Npgsql;

namespace Services.EventStore;

public static class EventStoreDataSource
{
    /// <summary>
    /// One pooled data source per process. Error details are included because the store reads the
    /// conflicting stream and versions from them.
    /// <para>
    /// Two defaults make an append about half as expensive for the server (a connection string
    /// that sets either keyword keeps its own value):
    /// <list type="bullet">
    /// <item><c>No Reset On Close</c>: connections go back to the pool without <c>DISCARD ALL</c>,
    /// which was one more statement per connection use and threw away every cached plan of the
    /// session, <c>es_append</c>'s included, so that each append was planned again. An open
    /// transaction is still rolled back when a connection is returned. The rule that comes with it:
    /// leave no session state on a pooled connection (SET without LOCAL, session advisory locks,
    /// LISTEN, temporary tables). Release session advisory locks before closing the connection
    /// that holds them (or take them on a connection from a data source with pooling off).</item>
    /// <item><c>Max Auto Prepare</c>: statements run often (appends, feed pages) become server-side
    /// prepared statements per connection, so they are not parsed and planned on every call.</item>
    /// </list>
    /// </para>
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString, string applicationName = "services")
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var given = GivenKeywords(connectionString);
        builder.ConnectionStringBuilder.IncludeErrorDetail = true;
        if (!given.Contains("noresetonclose")) builder.ConnectionStringBuilder.NoResetOnClose = true;
        if (!given.Contains("maxautoprepare")) builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
            builder.ConnectionStringBuilder.ApplicationName = applicationName;
        return builder.Build();
    }

    /// <summary>Keywords present in the string (NpgsqlConnectionStringBuilder.ContainsKey tells whether a keyword exists at all).</summary>
    private static HashSet<string> GivenKeywords(string connectionString) =>
        new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(key => key.Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant())
            .ToHashSet(StringComparer.Ordinal);
}
