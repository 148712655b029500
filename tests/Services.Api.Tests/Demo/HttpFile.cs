using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Services.Api.Tests.Demo;

/// <summary>One request of a <c>.http</c> file, with what its comments say of it.</summary>
/// <param name="Title">The text after <c>###</c>.</param>
/// <param name="Name">Its <c># @name</c>, by which later requests read its answer.</param>
/// <param name="Answer">Its <c># answer:</c> status.</param>
/// <param name="Wait">Its <c># wait: N minutes</c>: the time that passes before it is sent.</param>
public sealed record HttpFileRequest(string Title, string? Name, int? Answer, TimeSpan Wait, string Method, string Url, IReadOnlyList<(string Name, string Value)> Headers, string Body);

/// <summary>
/// The subset of the VS Code REST Client's <c>.http</c> format that our walkthroughs use: file variables
/// (<c>@name = value</c>), requests between <c>###</c> lines, <c>{{variable}}</c>,
/// <c>{{request.response.body.$.path}}</c> and <c>{{$datetime iso8601 N m}}</c>.
/// </summary>
public static partial class HttpFile
{
    public static (IReadOnlyDictionary<string, string> Variables, IReadOnlyList<HttpFileRequest> Requests) Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sections = text.ReplaceLineEndings("\n").Split("\n###");
        var variables = sections[0].Split('\n').Select(line => VariableLine().Match(line)).Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim(), StringComparer.Ordinal);
        return (variables, sections.Skip(1).Select(ParseRequest).ToList());
    }

    private static HttpFileRequest ParseRequest(string section)
    {
        var lines = section.Split('\n');
        var comments = lines.Skip(1).TakeWhile(line => line.Length == 0 || line.StartsWith('#')).ToList();
        string? Comment(string prefix) => comments.Where(c => c.StartsWith(prefix, StringComparison.Ordinal)).Select(c => c[prefix.Length..].Trim()).FirstOrDefault();
        var requestLine = lines.Skip(1 + comments.Count).First().Split(' ', 2);
        var headers = lines.Skip(2 + comments.Count).TakeWhile(line => line.Length > 0)
            .Select(line => line.Split(':', 2)).Select(parts => (parts[0].Trim(), parts[1].Trim())).ToList();
        var body = string.Join('\n', lines.Skip(3 + comments.Count + headers.Count)).Trim();
        var answer = Comment("# answer:");
        var wait = Comment("# wait:");
        return new HttpFileRequest(lines[0].Trim(), Comment("# @name"), answer is null ? null : int.Parse(answer, CultureInfo.InvariantCulture),
            wait is null ? TimeSpan.Zero : TimeSpan.FromMinutes(int.Parse(wait.Split(' ')[0], CultureInfo.InvariantCulture)),
            requestLine[0], requestLine[1].Trim(), headers, body);
    }

    /// <summary>Replaces every <c>{{…}}</c> of <paramref name="text"/>.</summary>
    public static string Resolve(string text, IReadOnlyDictionary<string, string> variables, IReadOnlyDictionary<string, JsonNode?> answers, DateTimeOffset now) =>
        Placeholder().Replace(text, match =>
        {
            var expression = match.Groups[1].Value.Trim();
            if (expression.StartsWith("$datetime iso8601 ", StringComparison.Ordinal))
            {
                var offset = expression["$datetime iso8601 ".Length..].Split(' ');
                offset[1].ShouldBe("m", "the walkthrough offsets its instants in minutes");
                return now.AddMinutes(int.Parse(offset[0], CultureInfo.InvariantCulture)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            }
            var response = expression.IndexOf(".response.body.$", StringComparison.Ordinal);
            if (response < 0) return variables[expression];
            var node = answers[expression[..response]];
            foreach (Match step in PathStep().Matches(expression[(response + ".response.body.$".Length)..]))
                node = step.Groups[1].Success ? node![step.Groups[1].Value] : node![int.Parse(step.Groups[2].Value, CultureInfo.InvariantCulture)];
            return node!.GetValue<string>();
        });

    [GeneratedRegex(@"^@(\w+)\s*=(.*)$")]
    private static partial Regex VariableLine();

    [GeneratedRegex(@"\{\{(.+?)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\.(\w+)|\[(\d+)\]")]
    private static partial Regex PathStep();
}
