using Npgsql;

namespace Services.EventStore.Tests;

public sealed class DataSourceTests(StoreFixture fixture) : IClassFixture<StoreFixture>
{
    [Fact]
    public async Task The_data_source_skips_the_reset_on_close_prepares_frequent_statements_and_keeps_generic_plans_by_default()
    {
        await using var source = EventStoreDataSource.Create("Host=127.0.0.1;Database=nothing");

        var settings = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        settings.NoResetOnClose.ShouldBeTrue();
        settings.MaxAutoPrepare.ShouldBeGreaterThan(0);
        settings.IncludeErrorDetail.ShouldBeTrue();
        settings.ApplicationName.ShouldBe("services");
        settings.Options.ShouldBe("-c plan_cache_mode=force_generic_plan");
    }

    [Fact]
    public async Task Statements_on_the_stores_connections_keep_one_generic_plan()
    {
        await using var command = fixture.DataSource.CreateCommand("show plan_cache_mode");

        (await command.ExecuteScalarAsync()).ShouldBe("force_generic_plan");
    }

    [Fact]
    public async Task A_connection_string_keeps_its_own_reset_prepare_and_server_options()
    {
        await using var source = EventStoreDataSource.Create("Host=127.0.0.1;Database=nothing;no reset on close=false;MaxAutoPrepare=0;Application Name=mine;Options=-c work_mem=8MB");

        var settings = new NpgsqlConnectionStringBuilder(source.ConnectionString);
        settings.NoResetOnClose.ShouldBeFalse();
        settings.MaxAutoPrepare.ShouldBe(0);
        settings.ApplicationName.ShouldBe("mine");
        settings.Options.ShouldBe("-c work_mem=8MB");
    }
}
