using Services.Api.Infrastructure;

namespace Services.Api.Beneficiaries;

/// <summary>
/// The beneficiary's contact details were destroyed (its data key deleted). Carries no personal data:
/// the company's own opaque reference tells integrators whom to forget.
/// </summary>
/// <param name="CompanyId">The company (`org_…`) whose beneficiary it was.</param>
/// <param name="BeneficiaryRef">The company's own opaque reference for the person: forget whatever you keep under it.</param>
public sealed record BeneficiaryErased(string CompanyId, string BeneficiaryRef);

/// <param name="Erasures">How many times the beneficiary's contact details were erased.</param>
public sealed record BeneficiaryState(string CompanyId, string BeneficiaryRef, int Erasures);

/// <summary>A person a company books for, named by the company's <c>beneficiaryRef</c>; its stream holds its erasures.</summary>
public static partial class Beneficiary
{
    public const string StreamType = "beneficiary";

    public static string StreamId(string companyId, string beneficiaryRef) => $"beneficiary-{companyId}/{beneficiaryRef}";

    public static StreamRef<BeneficiaryState> Stream(string companyId, string beneficiaryRef) => new(StreamId(companyId, beneficiaryRef), StreamType, Evolve);

    public static BeneficiaryState? Evolve(BeneficiaryState? state, object @event) => (state, @event) switch
    {
        (_, BeneficiaryErased e) => new BeneficiaryState(e.CompanyId, e.BeneficiaryRef, (state?.Erasures ?? 0) + 1),
        _ => state,
    };
}
