using Microsoft.Net.Http.Headers;

namespace Services.Api.Infrastructure;

/// <summary>ETag = the stream's version; If-Match carries the version a change was decided on.</summary>
public static class ETags
{
    public static void Set(HttpResponse response, long version) =>
        response.Headers.ETag = new EntityTagHeaderValue($"\"{version}\"").ToString();

    /// <summary>The answer to an If-Match that <see cref="TryReadIfMatch"/> cannot read.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ValidationProblem UnreadableIfMatch() =>
        Problems.Invalid("If-Match", "Send the ETag of the resource, e.g. \"3\".");

    /// <summary>The version named by If-Match; null when absent or '*'. False when it cannot be a version.</summary>
    public static bool TryReadIfMatch(HttpRequest request, out long? version)
    {
        version = null;
        var header = request.Headers.IfMatch.ToString();
        if (string.IsNullOrWhiteSpace(header) || header.Trim() == "*") return true;
        if (!EntityTagHeaderValue.TryParse(header.Trim(), out var tag) || tag.IsWeak) return false;
        if (!long.TryParse(tag.Tag.AsSpan().Trim('"'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed)) return false;
        version = parsed;
        return true;
    }
}
