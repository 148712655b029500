using System.Text.Json;
using Services.Api.Infrastructure;
using Services.EventStore;

namespace Services.Api.Demo;

/// <summary>
/// Loads the demo territory once per database, through the API itself. A load stopped midway (the API
/// stopped, a request failed) resumes where it stopped at the next start instead of loading a second
/// territory on top of the first: the first attempt's start is recorded, and every request of the
/// script carries an Idempotency-Key made from it, so that the requests already made are answered
/// again from the idempotency store (for the 48 hours keys are kept) and only the rest is done.
/// </summary>
internal sealed class DemoLoader(EventStore.EventStore store, TimeProvider time, ILogger logger)
{
    private const string MarkerStream = "demo-territory";
    private const string MarkerStreamType = "demo";

    /// <summary>
    /// A load resumes with the times it began with: later, its first slots would have started, and
    /// its requests' kept answers (48 hours at least) expire. Meant for a restart after Ctrl-C.
    /// </summary>
    public static readonly TimeSpan ResumableFor = TimeSpan.FromHours(1);

    /// <returns>The demo organizations' keys; null when the demo was loaded earlier and its keys file is gone.</returns>
    public async Task<DemoKeys?> LoadOnceAsync(HttpClient operatorClient, string keysFile, CancellationToken cancellationToken)
    {
        var marks = (await store.ReadStreamAsync(MarkerStream, 1, cancellationToken)).Select(mark => mark.Data).ToList();
        if (marks.OfType<DemoTerritoryLoaded>().Any())
            return File.Exists(keysFile) ? JsonSerializer.Deserialize<DemoKeys>(await File.ReadAllTextAsync(keysFile, cancellationToken), DemoTerritory.JsonOptions) : null;

        var started = marks.OfType<DemoTerritoryLoadStarted>().FirstOrDefault();
        if (started is null)
        {
            logger.LogInformation("Loading the demo territory (grand-figeac)");
            // As the mark reads back when a load resumes: the requests' idempotency keys are made from it.
            started = new DemoTerritoryLoadStarted(UtcInstantConverter.ToMicrosecond(time.GetUtcNow()));
            await store.AppendAsync(MarkerStream, MarkerStreamType, ExpectedVersion.NoStream, [started], cancellationToken: cancellationToken);
        }
        else if (time.GetUtcNow() - started.StartedAt > ResumableFor)
        {
            throw new InvalidOperationException(
                $"The demo territory's load begun at {started.StartedAt:u} did not finish and is too old to resume (its first slots may have started, " +
                "its requests' answers may be gone). Load it into an empty database: stop the API, drop the database (with the private cluster: ./ops/pg.sh psql -d postgres -c 'drop database services'), start again.");
        }
        else
        {
            logger.LogInformation("Resuming the demo territory's load begun at {StartedAt:u}", started.StartedAt);
        }

        var keys = await new DemoScript(operatorClient, started.StartedAt).RunAsync(cancellationToken);
        // The keys first: once the territory is marked loaded, they are only ever read from the file.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(keysFile))!);
        // Readable by its owner alone, as the operator key's file is: the keys act for the demo's organizations.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        await using (var file = new FileStream(keysFile, options))
        {
            await JsonSerializer.SerializeAsync(file, keys, DemoTerritory.JsonOptions, cancellationToken);
        }
        await store.AppendAsync(MarkerStream, MarkerStreamType, ExpectedVersion.Exactly(1), [new DemoTerritoryLoaded(keys.ClubId, time.GetUtcNow())], cancellationToken: cancellationToken);
        return keys;
    }
}
