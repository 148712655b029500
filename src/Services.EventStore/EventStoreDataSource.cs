using Npgsql;

namespace Services.EventStore;

public static class EventStoreDataSource
{
    /// <summary>
    /// One pooled data source per process. Error details are included because the store reads the
    /// conflicting stream and versions from them.
    /// <para>
    /// Connections go back to the pool without <c>DISCARD ALL</c> (Npgsql's <c>No Reset On Close</c>):
    /// that reset is one more statement per connection use and throws away every cached plan of the
    /// session, <c>es_append</c>'s included, so each append was planned again; it cost about 40% of
    /// the server's time per append. An open transaction is still rolled back when a connection is
    /// returned. The rule that comes with it: leave no session state on a pooled connection (SET
    /// without LOCAL, session advisory locks, LISTEN, temporary tables). Hold a session advisory
    /// lock on a connection kept open for as long as the lock, and unlock before closing it (or
    /// open it from a data source with pooling off). A connection string that sets
    /// <c>No Reset On Close</c> explicitly keeps its own choice.
    /// </para>
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString, string applicationName = "services")
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.IncludeErrorDetail = true;
        if (!SetsNoResetOnClose(connectionString))
            builder.ConnectionStringBuilder.NoResetOnClose = true;
        if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
            builder.ConnectionStringBuilder.ApplicationName = applicationName;
        return builder.Build();
    }

    private static bool SetsNoResetOnClose(string connectionString)
    {
        // NpgsqlConnectionStringBuilder.ContainsKey answers whether a keyword exists, not whether it was given.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return given.Keys.Cast<string>().Any(key =>
            string.Equals(key.Replace(" ", "", StringComparison.Ordinal), "NoResetOnClose", StringComparison.OrdinalIgnoreCase));
    }
}
