using Microsoft.AspNetCore.Http.HttpResults;
using Services.Api.Infrastructure;
using Services.Api.Security;
using Services.Api.Common;

namespace Services.Api.Needs;

public sealed record WithdrawNeed(string NeedId);

public static partial class Need
{
    public static Decision<IReadOnlyList<object>> Decide(WithdrawNeed command, NeedState? state, DateTimeOffset now)
    {
        if (state is null) return NotFound(command.NeedId);
        if (Closed(state) is { } closed) return closed;

        return Decision.Accept(new NeedWithdrawn());
    }
}

public static class WithdrawNeedEndpoint
{
    public static void MapWithdrawNeed(this IEndpointRouteBuilder needs) =>
        needs.MapPost("/{needId}/withdraw", Handle)
            .WithName("withdrawNeed")
            .WithSummary("Withdraw a need (company)")
            .WithDescription("The recording company or the operator closes a need that no longer stands. Send the ETag as If-Match to act only on what you read.")
            .AllowKinds(OrganizationKind.Company)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .Refuses("need_closed")
            .AcceptsIfMatch();

    private static async Task<Results<Ok<NeedResponse>, ValidationProblem, ProblemHttpResult>> Handle(
        string needId, Caller caller, CommandRunner runner, EventStore.EventStore store, TimeProvider time, HttpContext http, CancellationToken cancellationToken)
    {
        if (!ETags.TryReadIfMatch(http.Request, out var ifMatch)) return ETags.UnreadableIfMatch();
        var change = await runner.ChangeAsync(store, Need.Stream(needId), "need",
            need => Need.IsManagedBy(need, caller), ifMatch,
            need => Need.Decide(new WithdrawNeed(needId), need, time.GetUtcNow()),
            Writes.Metadata(http, caller), cancellationToken);
        return change.ToHttp(http.Response, need => TypedResults.Ok(NeedResponse.From(need, caller)));
    }
}
