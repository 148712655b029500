using Services.Api.Beneficiaries;

namespace Services.Api.Tests.Beneficiaries;

public sealed class ContactDetailsTests
{
    [Fact]
    public void A_blank_field_counts_as_left_out_however_the_details_are_made()
    {
        var bound = new ContactDetails(Name: " ", Email: "", Phone: "+33 6 12 34 56 78");
        var changed = bound with { Name = "", Email = "\t" };

        bound.ShouldBe(new ContactDetails(Phone: "+33 6 12 34 56 78"));
        changed.ShouldBe(new ContactDetails(Phone: "+33 6 12 34 56 78"));
        (changed with { Name = "Camille" }).Name.ShouldBe("Camille");
    }
}
