using Services.Api.Common;
using Services.Api.Needs;
using static Services.Api.Tests.Needs.NeedExamples;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Needs;

public sealed class RecordNeedTests
{
    private static readonly RecordNeed Command = new(
        NeedId, CompanyId, Category.Mobility, Territory, 6, "Staff without a car cannot reach the park before 8.", "weekdays 7:30");

    [Fact]
    public void A_company_records_a_need() =>
        Need.Decide(Command, null, Now).Then(Recorded() with { RecordedAt = Now });

    [Fact]
    public void A_need_is_for_at_least_one_person() =>
        Need.Decide(Command with { Headcount = 0 }, null, Now).ThenRefused("invalid_headcount");

    [Fact]
    public void A_need_is_recorded_once() =>
        Need.Decide(Command, NeedWith(), Now).ThenRefused("need_exists");
}
