using Microsoft.Net.Http.Headers;

namespace Services.Api.Infrastructure;

/// <summary>ETag = the stream's version; If-Match carries the versions a change was decided on.</summary>
public static class ETags
{
    public static void Set(HttpResponse response, long version) =>
        response.Headers.ETag = new EntityTagHeaderValue($"\"{version}\"").ToString();

    /// <summary>The answer to an If-Match that <see cref="TryReadIfMatch"/> cannot read.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem UnreadableIfMatch() =>
        Problems.Invalid("If-Match", "Send the ETag of the resource, e.g. \"3\".");

    /// <summary>The versions If-Match accepts. False when the header is not a list of entity tags.</summary>
    public static bool TryReadIfMatch(HttpRequest request, out IfMatch ifMatch)
    {
        ifMatch = IfMatch.Any;
        var header = request.Headers.IfMatch;
        if (string.IsNullOrWhiteSpace(header.ToString())) return true;
        if (!EntityTagHeaderValue.TryParseStrictList(header, out var tags) || tags.Count == 0) return false;
        // '*' stands alone (RFC 9110, 13.1.1): next to tags, which versions it allows is anyone's guess.
        if (tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any))) return tags.Count == 1;
        // If-Match compares strongly (RFC 9110, 13.1.1): a weak tag, or a tag that is none of our
        // versions, matches nothing, so the change answers 412 rather than 400.
        ifMatch = new IfMatch([.. tags
            .Where(tag => !tag.IsWeak)
            .Select(tag => long.TryParse(tag.Tag.AsSpan(1, tag.Tag.Length - 2), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var version) ? version : -1)
            .Where(version => version >= 0)]);
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
