using System.Net;
using System.Net.Http.Json;
using Services.Api.Admin;
using Services.Api.Common;
using Services.Api.Needs;
using Services.Api.Tests.Catalog;
using Services.Api.Tests.Http;
using Services.EventStore.Projections;

namespace Services.Api.Tests.Admin;

public sealed class ProjectionsAdminHttpTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    [Fact]
    public async Task The_operator_sees_every_shard_with_its_position_lag_owner_and_state()
    {
        var daemon = api.Service<ProjectionDaemon>();
        // A node takes its shards over its first acquisition rounds (and a rebuild by another test of this class ends).
        await Eventually.WaitUntilAsync(async () => (await daemon.GetStatusAsync()) is { Count: 7 } all && all.All(s => s.Owner == daemon.NodeId && s.Status == ShardStatuses.Running),
            "this node runs every shard", TimeSpan.FromSeconds(20));

        var shards = (await api.Operator.GetFromJsonAsync<List<ProjectionStatusResponse>>("/v1/admin/projections", ApiFixture.JsonOptions))!;

        shards.Select(s => s.Name).ShouldBe(
            ["booking-list", "catalog", "feed", "insights", "need-list", "subscription-list", "webhook-outbox"], ignoreOrder: true);
        shards.ShouldAllBe(s => s.Owner == daemon.NodeId && s.LagEvents >= 0 && s.State == ProjectionState.Running);
    }

    [Fact]
    public void Every_status_the_store_records_is_a_state_of_the_contract()
    {
        var statuses = typeof(ShardStatuses).GetFields().Select(f => (string)f.GetRawConstantValue()!).ToList();

        statuses.Order().ShouldBe(Enum.GetValues<ProjectionState>().Select(s => WireName.Of(s)).Order());
    }

    [Fact]
    public async Task A_rebuild_replays_the_events_and_the_read_model_comes_back()
    {
        await api.CoverTerritoryAsync();
        var company = await api.RegisterAsync(OrganizationKind.Company);
        var recorded = await company.Client.PostAsJsonAsync("/v1/needs",
            new { category = "mobility", territory = "grand-figeac", headcount = 4, description = "Night shuttle" }, ApiFixture.JsonOptions);
        var position = recorded.Headers.GetValues("Services-Position").Single();
        var need = (await company.Client.ListAsync<NeedResponse>($"/v1/needs?minPosition={position}")).Data.ShouldHaveSingleItem();
        // The list already holds the need, so reading it back proves nothing: a need no event recorded, and the
        // real one's headcount changed behind the API's back, are what only a real rebuild undoes.
        var stale = Ids.New(Ids.Need);
        await api.ExecuteAsync("""
            insert into rm_needs (need_id, company_id, category, territory, headcount, description, status, acknowledged_by, recorded_at)
            select $1, company_id, category, territory, headcount, 'Never recorded', status, acknowledged_by, recorded_at from rm_needs where need_id = $2
            """, stale, need.Id);
        await api.ExecuteAsync("update rm_needs set headcount = 40 where need_id = $1", need.Id);
        (await company.Client.ListAsync<NeedResponse>("/v1/needs")).Data.Select(n => (n.Id, n.Headcount)).ShouldBe([(need.Id, 40), (stale, 4)], ignoreOrder: true);

        var rebuild = await api.Operator.PostAsync("/v1/admin/projections/need-list/rebuild", null);

        rebuild.StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var list = await company.Client.ListAsync<NeedResponse>($"/v1/needs?minPosition={position}");
        list.Data.Select(n => (n.Id, n.Headcount, n.Description)).ShouldBe([(need.Id, 4, "Night shuttle")]);
        (await api.CountAsync("select count(*) from rm_needs where need_id = $1", stale)).ShouldBe(0, "the stale need outlived the rebuild");
    }

    [Fact]
    public async Task Only_the_operator_administers_projections_and_unknown_shards_are_404()
    {
        var club = await api.RegisterAsync(OrganizationKind.Club);

        await (await club.Client.GetAsync("/v1/admin/projections")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        await (await club.Client.PostAsync("/v1/admin/projections/catalog/rebuild", null)).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "forbidden");
        var unknown = await (await api.Operator.PostAsync("/v1/admin/projections/nothing/rebuild", null)).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not_found");
        unknown.GetProperty("detail").GetString()!.ShouldContain("the projections are: ");
        unknown.GetProperty("detail").GetString()!.ShouldContain("catalog");
    }
}
