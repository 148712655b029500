using System.ComponentModel;
using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Bookings;
using Services.Api.Common;
using Services.Api.Infrastructure;
using Services.Api.Security;

namespace Services.Api.Beneficiaries;

/// <param name="DataKeyId">The beneficiary's data key when it has one; null when there is nothing to erase.</param>
public sealed record EraseBeneficiary(string CompanyId, string BeneficiaryRef, string? DataKeyId);

public static partial class Beneficiary
{
    /// <summary>Erasing is idempotent: with no data key (never given contact details, or already erased) nothing happens.</summary>
    public static Decision<IReadOnlyList<object>> Decide(EraseBeneficiary command, BeneficiaryState? state)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command.DataKeyId is null
            ? Decision.Accept()
            : Decision.Accept(new BeneficiaryErased(command.CompanyId, command.BeneficiaryRef));
    }
}

public static class EraseBeneficiaryEndpoint
{
    public static IEndpointRouteBuilder MapBeneficiaries(this IEndpointRouteBuilder v1)
    {
        v1.MapDelete("/beneficiaries/{beneficiaryRef}", Handle)
            .WithTags("Beneficiaries")
            .WithName("eraseBeneficiary")
            .AnswersWithVersion()
            .WithSummary("Erase a beneficiary's personal data")
            .WithDescription(
                "The company (or the operator, naming companyId). Destroys the beneficiary's data key: the contact details of all its bookings " +
                "become unrecoverable everywhere and read as {\"status\": \"erased\"}, also in the answers replayed to retries (Idempotency-Key). Bookings, counts, usage statements and indicators are " +
                "unchanged (they never held personal data): a departed employee's future bookings still hold their seats (and a no-show is charged), " +
                "so cancel them too (GET /v1/bookings?beneficiaryRef=…&from=<now> lists them; erase after, or before: cancelling needs no contact details). Integrators get a beneficiary.erased event (change feed and webhooks) with the " +
                "companyId and beneficiaryRef, sent to the company and to the clubs and providers of the offers it was booked on with " +
                "contact details, providers an offer listed once and no longer lists included (they may hold the details). Idempotent: answers 204 even when there is nothing (left) to erase, and then appends no event.")
            .AllowKinds(OrganizationKind.Company)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);
        return v1;
    }

    private static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> Handle(
        [Description("The company's own reference for the beneficiary, as sent in bookings.")] string beneficiaryRef,
        [Description("The operator only: the company whose beneficiary to erase. A company erases its own and leaves it out."), Id(Ids.Organization)] string? companyId,
        Caller caller, CommandRunner runner, EventStore.EventStore store, ContactVault vault, HttpContext http, CancellationToken cancellationToken)
    {
        var validation = new Validation();
        BookSeatRequest.ValidateBeneficiaryRef(validation, beneficiaryRef);
        validation.Id("companyId", companyId, Ids.Organization, required: caller.IsOperator);
        if (!validation.IsValid) return Problems.Invalid(validation.Errors);
        if (caller.ActsFor(companyId) is not { } company) return Problems.Forbidden("A company erases its own beneficiaries: leave companyId out or give your own id.");
        var stream = Beneficiary.Stream(company, beneficiaryRef);
        var change = await runner.RunAsync([stream.Id], async (streams, ct) =>
        {
            var state = await streams.LoadAsync(stream, ct);
            var keyId = await vault.KeyIdOfAsync(company, beneficiaryRef, ct);
            var events = Beneficiary.Decide(new EraseBeneficiary(company, beneficiaryRef, keyId), state).Events!;
            if (events.Count == 0) return Change<BeneficiaryState?>.Done(state, streams.VersionOf(stream.Id), null);
            var result = await streams.AppendAsync(Writes.Metadata(http, caller), [(stream.Id, events)], ct, () => [ContactVault.Destroy(keyId!), Idempotency.ForgetWholeAnswers(keyId!)]);
            return Change<BeneficiaryState?>.Done(stream.Fold(state, events), result.VersionOf(stream.Id), result.LastPosition);
        }, cancellationToken);
        change = await change.PositionedAsync(store, stream.Id, cancellationToken);
        return change.ToHttp(http.Response, _ => TypedResults.NoContent());
    }
}
