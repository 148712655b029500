using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Services.Api.Infrastructure;

/// <summary>
/// ETag = the stream's version; If-Match carries the versions a change was decided on, If-None-Match the versions
/// of the copies a reader holds.
/// </summary>
public static class ETags
{
    private static readonly object ValidatedVersionKey = new();

    /// <summary>
    /// Sets the answer's ETag. <paramref name="validatesBody"/> is false when more than the version shapes the body
    /// (another stream, the clock, the contact vault): an If-None-Match naming the version then still gets the body,
    /// since a 304 would keep the reader on a copy that is no longer what we would send.
    /// </summary>
    public static void Set(HttpResponse response, long version, bool validatesBody = true)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.ETag = new EntityTagHeaderValue($"\"{version}\"").ToString();
        if (validatesBody) response.HttpContext.Items[ValidatedVersionKey] = version;
        else response.HttpContext.Items.Remove(ValidatedVersionKey);
    }

    /// <summary>The version the answer's body is the copy of (<see cref="Set"/>), or null when it set none or more shapes its body.</summary>
    public static long? ValidatedVersion(HttpContext http) =>
        http.Items.TryGetValue(ValidatedVersionKey, out var version) ? (long?)version : null;

    /// <summary>The answer to an If-Match that <see cref="TryReadIfMatch"/> cannot read.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem UnreadableIfMatch() =>
        Problems.Invalid("If-Match", "Send the ETag of the resource, e.g. \"3\".");

    /// <summary>The answer to an If-None-Match that <see cref="TryReadIfNoneMatch"/> cannot read, as for If-Match.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem UnreadableIfNoneMatch() =>
        Problems.Invalid("If-None-Match", "Send the ETags of the copies you hold, e.g. \"3\" or \"3\", \"4\", or *.");

    /// <summary>The versions If-Match accepts. False when the header is not a list of entity tags.</summary>
    public static bool TryReadIfMatch(HttpRequest request, out IfMatch ifMatch)
    {
        ifMatch = IfMatch.Any;
        var header = request.Headers.IfMatch;
        if (string.IsNullOrWhiteSpace(header.ToString())) return true;
        // If-Match compares strongly (RFC 9110, 13.1.1): a weak tag, or a tag that is none of our
        // versions, matches nothing, so the change answers 412 rather than 400.
        if (!TryReadVersions(header, weakTagsMatch: false, out var versions)) return false;
        ifMatch = new IfMatch(versions);
        return true;
    }

    /// <summary>The versions If-None-Match names. False when the header is not a list of entity tags, as for If-Match.</summary>
    public static bool TryReadIfNoneMatch(HttpRequest request, out IfNoneMatch ifNoneMatch)
    {
        ifNoneMatch = IfNoneMatch.Absent;
        var header = request.Headers.IfNoneMatch;
        if (string.IsNullOrWhiteSpace(header.ToString())) return true;
        // If-None-Match compares weakly (RFC 9110, 13.1.2): W/"3" names version 3 as "3" does.
        if (!TryReadVersions(header, weakTagsMatch: true, out var versions)) return false;
        ifNoneMatch = versions is null ? IfNoneMatch.AnyVersion : new IfNoneMatch(versions);
        return true;
    }

    /// <summary>
    /// The versions a list of entity tags names, null for <c>*</c>; tags that are none of our versions name none.
    /// False when the header is not such a list.
    /// </summary>
    private static bool TryReadVersions(StringValues header, bool weakTagsMatch, out long[]? versions)
    {
        versions = null;
        if (!EntityTagHeaderValue.TryParseStrictList(header, out var tags) || tags.Count == 0) return false;
        // '*' stands alone (RFC 9110, 13.1.1 and 13.1.2): next to tags, which versions it means is anyone's guess.
        if (tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any))) return tags.Count == 1;
        versions = [.. tags
            .Where(tag => weakTagsMatch || !tag.IsWeak)
            .Select(tag => long.TryParse(tag.Tag.AsSpan(1, tag.Tag.Length - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) ? version : -1)
            .Where(version => version >= 0)];
        return true;
    }
}

/// <summary>What If-Match allows a change to act on: any version when it was absent or '*', else only the versions it named.</summary>
public sealed class IfMatch
{
    public static readonly IfMatch Any = new(null);

    private readonly long[]? _versions;

    public IfMatch(long[]? versions) => _versions = versions;

    public bool Allows(long version) => _versions is null || _versions.Contains(version);

    /// <summary>Whether the request named versions (an If-Match header other than <c>*</c>); otherwise it changes whatever is current.</summary>
    public bool NamesVersions => _versions is not null;
}

/// <summary>Which versions a reader already holds (If-None-Match): none when it was absent, any when '*', else those it named.</summary>
public sealed class IfNoneMatch
{
    public static readonly IfNoneMatch Absent = new([]);

    public static readonly IfNoneMatch AnyVersion = new(null);

    private readonly long[]? _versions;

    public IfNoneMatch(long[]? versions) => _versions = versions;

    /// <summary>Whether the reader's copy is <paramref name="version"/>'s, so that it is answered 304 Not Modified.</summary>
    public bool Holds(long version) => _versions is null || _versions.Contains(version);
}
