using Npgsql;

namespace Services.EventStore;

public static class EventStoreDataSource
{
    /// <summary>
    /// One pooled data source per process. Error details are included because the store reads the
    /// conflicting stream and versions from them.
    /// </summary>
    public static NpgsqlDataSource Create(string connectionString, string applicationName = "services")
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.IncludeErrorDetail = true;
        if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.ApplicationName))
            builder.ConnectionStringBuilder.ApplicationName = applicationName;
        return builder.Build();
    }
}
