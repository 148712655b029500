using Services.Api.Common;
using Services.Api.Needs;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Needs;

public static class NeedExamples
{
    public const string NeedId = "ned_shuttle";

    public static NeedRecorded Recorded(Category category = Category.Mobility) =>
        new(NeedId, CompanyId, category, Territory, 6, "Staff without a car cannot reach the park before 8.", "weekdays 7:30", Now.AddDays(-5));

    public static NeedState NeedWith(params object[] then) => Given<NeedState>(Need.Evolve, [Recorded(), .. then])!;
}
