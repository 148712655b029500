using Npgsql;

namespace Services.EventStore.Tests;

public sealed class DataSourceTests
{
    [Fact]
    public async Task The_data_source_skips_the_reset_on_close_and_prepares_frequent_statements_by_default()
    {
        await using var source = EventStoreDataSource.Create("Host=127.0.0.1;Database=nothing");

        var settings = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        settings.NoResetOnClose.ShouldBeTrue();
        settings.MaxAutoPrepare.ShouldBeGreaterThan(0);
        settings.IncludeErrorDetail.ShouldBeTrue();
        settings.ApplicationName.ShouldBe("services");
    }

    [Fact]
    public async Task A_connection_string_keeps_its_own_reset_and_prepare_settings()
    {
        await using var source = EventStoreDataSource.Create("Host=127.0.0.1;Database=nothing;no reset on close=false;MaxAutoPrepare=0;Application Name=mine");

        var settings = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        settings.NoResetOnClose.ShouldBeFalse();
        settings.MaxAutoPrepare.ShouldBe(0);
        settings.ApplicationName.ShouldBe("mine");
    }
}
