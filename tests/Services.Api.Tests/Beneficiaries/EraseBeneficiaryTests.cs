using Services.Api.Beneficiaries;
using static Services.Api.Tests.Organizations.OrganizationExamples;
using static Services.Api.Tests.Specification;

namespace Services.Api.Tests.Beneficiaries;

public sealed class EraseBeneficiaryTests
{
    private const string Ref = "hr:4411";

    [Fact]
    public void A_beneficiary_holding_a_data_key_is_erased() =>
        Beneficiary.Decide(new EraseBeneficiary(CompanyId, Ref, "pdk_1"), null)
            .Then(new BeneficiaryErased(CompanyId, Ref));

    [Fact]
    public void Erasing_again_with_no_key_left_changes_nothing() =>
        Beneficiary.Decide(new EraseBeneficiary(CompanyId, Ref, DataKeyId: null), Given<BeneficiaryState>(Beneficiary.Evolve, new BeneficiaryErased(CompanyId, Ref)))
            .Then();

    [Fact]
    public void A_beneficiary_never_given_contact_details_has_nothing_to_erase() =>
        Beneficiary.Decide(new EraseBeneficiary(CompanyId, Ref, DataKeyId: null), null)
            .Then();

    [Fact]
    public void Details_given_after_an_erasure_are_erased_again() =>
        Beneficiary.Decide(new EraseBeneficiary(CompanyId, Ref, "pdk_2"), Given<BeneficiaryState>(Beneficiary.Evolve, new BeneficiaryErased(CompanyId, Ref)))
            .Then(new BeneficiaryErased(CompanyId, Ref));

    [Fact]
    public void The_stream_counts_its_erasures() =>
        Given<BeneficiaryState>(Beneficiary.Evolve, new BeneficiaryErased(CompanyId, Ref), new BeneficiaryErased(CompanyId, Ref))
            .ShouldBe(new BeneficiaryState(CompanyId, Ref, 2));
}
