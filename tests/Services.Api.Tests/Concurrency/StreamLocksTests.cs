using Services.Api.Infrastructure;

namespace Services.Api.Tests.Concurrency;

public sealed class StreamLocksTests
{
    [Fact]
    public async Task A_waiter_that_gives_up_does_not_let_a_third_command_in_beside_the_holder()
    {
        var locks = new StreamLocks();
        var holder = await locks.AcquireAsync(["slot-1"], CancellationToken.None);
        using var givingUp = new CancellationTokenSource();
        var quitter = locks.AcquireAsync(["slot-1"], givingUp.Token);
        await givingUp.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(quitter);

        var third = locks.AcquireAsync(["slot-1"], CancellationToken.None);
        // The holder still holds: the third waits. A free gate is taken synchronously, so had the quitter
        // opened it, the third would already be in.
        third.IsCompleted.ShouldBeFalse();

        holder.Dispose();
        (await third.WaitAsync(TimeSpan.FromSeconds(10))).Dispose();
    }
}
