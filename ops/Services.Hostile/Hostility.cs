using System.Text;

namespace Services.Hostile;

/// <summary>The fuzzer's raw material: values that break parsers, validators, databases and logs.</summary>
internal static class Hostility
{
    /// <summary>JSON tokens for numeric fields (some are not JSON at all: NaN, Infinity, hex, leading zeros).</summary>
    public static readonly string[] NumberTokens =
    [
        "-1", "0", "-0", "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "99999999999999999999999999999", "1e308", "1e400", "-1e400", "1.5", "1E2", "0.0000001",
        "NaN", "Infinity", "-Infinity", "\"NaN\"", "\"Infinity\"", "\"12\"", "0x10", "01", "+1", ".5", "1.", "1e", "--1", "1_000",
    ];

    /// <summary>JSON string literals (escaped as sent): lone surrogates, NUL, bidi overrides, combining marks, odd code points.</summary>
    public static readonly string[] UnicodeLiterals =
    [
        "\"\\ud800\"", "\"\\udfff\"", "\"a\\ud800b\"", "\"\\udc00\\ud800\"", "\"\\u0000\"", "\"x\\u0000y\"", "\"\\u202eevil\\u202c\"",
        "\"\\u200f\\u200e\\u2066\\u2069\"", "\"e" + string.Concat(Enumerable.Repeat("\\u0301", 500)) + "\"", "\"\\ufeff\"", "\"\\uffff\\ufffe\"",
        "\"\\u0085\\u2028\\u2029\"", "\"\\u001b[31mred\"", "\"\ud83d\ude00 emoji\"", "\"ＳＥＬＥＣＴ\"", "\"İıſK\"", "\"\\t\\r\\n\"", "\"\\\\\"",
    ];

    /// <summary>Injection attempts (SQL, JSON, templates, paths, headers), as plain strings.</summary>
    public static readonly string[] Injections =
    [
        "' OR 1=1 --", "'; drop table events; --", "\"); select pg_sleep(30); --", "1; select pg_sleep(30)", "$1", "%s%s%s%n", "{\"$ne\":null}",
        "\",\"kind\":\"operator", "<script>alert(1)</script>", "${jndi:ldap://127.0.0.1/x}", "{{7*7}}", "../../../../etc/passwd", "\r\nX-Injected: 1",
        "header\r\n\r\nHTTP/1.1 200 OK", "\\", "\"", "'", "`id`", "*", "%", "_", "null", "undefined", "[]", "{}", "svc_operator_", "svc_key_aaaaaaaaaaaaaaaaaaaaaaaa_00",
    ];

    /// <summary>Values for a path segment, already percent-encoded where needed (NUL is left out: Kestrel refuses it before the app runs).</summary>
    public static readonly string[] PathValues =
    [
        "x", "%20", "null", "-1", "0", "99999999999999999999", "off_", "off_aaaaaaaaaaaaaaaaaaaaaaaaa", "OFF_AAAAAAAAAAAAAAAAAAAAAAAA", "org_iiiiiiiiiiiiiiiiiiiiiiii",
        "bkg_000000000000000000000000", "%27%20OR%201%3D1%20--", "%3Cscript%3E", "%E2%80%AE", "%F0%9F%98%80", "%C3%A9", "%FF%FE", "%C0%AF", "a%2Fb", "%2E%2E",
        "%25", "%0D%0AX-Injected:%201", "%E2%80%8B", new string('a', 3000), "key_" + new string('z', 24), "whk_" + new string('0', 24),
    ];

    /// <summary>Values for a query parameter, already percent-encoded.</summary>
    public static readonly string[] QueryValues =
    [
        "", "-1", "0", "1", "101", "2147483648", "99999999999999999999", "abc", "1e3", "NaN", "%20", "2026-13-45", "2026-02-30", "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z", "2026-11-23T07:30:00+14:00", "2026-W48", "2026-Q5", "2026-00", "99999-01", "1.1", "0.0", "18446744073709551615.9223372036854775807",
        "18446744073709551616.1", "1.-1", ".", "%FF", "%C0%AF", "%27%3B%20drop%20table%20events%3B--", "%E2%80%AE", "%0D%0A", "%00", "eyJhIjoxfQ", "eyJhdCI6IngifQ==",
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", new string('9', 5000), "off_aaaaaaaaaaaaaaaaaaaaaaaa", "concierge", "CONCIERGE", "confirmed",
    ];

    public static readonly string[] ContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16",
        "application/json; charset=latin1", "application/json; charset=\"", "application/problem+json", "application/jsonx", "*/*", "json", "a/b/c",
        "application/json;;;", "APPLICATION/JSON", "application/merge-patch+json", "",
    ];

    public static readonly string[] Authorizations =
    [
        "Bearer", "Bearer ", "Bearer  ", "bearer x", "Basic dXNlcjpwYXNz", "Bearer svc_", "Bearer svc_key_", "Bearer svc_key__", "Bearer svc_key_aaaaaaaaaaaaaaaaaaaaaaaa_",
        "Bearer svc_key_aaaaaaaaaaaaaaaaaaaaaaaa_" + new string('0', 64), "Bearer svc_key_" + new string('a', 24) + "_" + new string('g', 64),
        "Bearer svc_operator_", "Token abc", "Bearer " + new string('A', 8000), "Bearer a b c", "Digest x", "Bearer %00", "Bearer ../../", "Bearer ' OR 1=1 --",
    ];

    public static readonly string[] IfMatches = ["\"abc\"", "abc", "\"-1\"", "\"99999999999999999999\"", "*", "W/\"1\"", "\"1\", \"2\"", "\"\"", "\"1", "\"0\"", "\"9223372036854775807\"", new string('9', 3000)];

    public static readonly string[] IdempotencyKeys = ["", " ", "a", new string('k', 256), new string('k', 5000), "\t", "key with spaces", "'; drop table idempotency_keys; --"];

    /// <summary>Whole bodies that are not what the operation expects, or not JSON at all.</summary>
    public static readonly string[] Bodies =
    [
        "", " ", "null", "[]", "{}", "\"x\"", "1", "true", "{", "{\"a\":", "}", "[1,2", "{\"a\":1,}", "{'a':1}", "{a:1}", "/*c*/{}", "{}{}", "{} x", "[{}]",
        "{\"\":1}", "{\"__proto__\":{}}", "\ufeff{}", "{\"a\":1e999999}", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    ];

    public static readonly byte[][] BrokenUtf8 = [[0xFF], [0xC3, 0x28], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80]];

    /// <summary>A string of <paramref name="length"/> characters of one kind: ASCII, accented, emoji pairs or control characters.</summary>
    public static string Huge(Random random, int length) => random.Next(4) switch
    {
        0 => new string('a', length),
        1 => new string('é', length),
        2 => string.Concat(Enumerable.Repeat("\ud83d\ude00", length / 2)),
        _ => new string('\u0001', length),
    };

    /// <summary>Nested arrays or objects <paramref name="depth"/> deep, as JSON text.</summary>
    public static string Deep(int depth, bool objects)
    {
        var text = new StringBuilder(depth * 8);
        for (var i = 0; i < depth; i++) text.Append(objects ? "{\"a\":" : "[");
        text.Append('1');
        for (var i = 0; i < depth; i++) text.Append(objects ? '}' : ']');
        return text.ToString();
    }

    public static T Pick<T>(this Random random, IReadOnlyList<T> values) => values[random.Next(values.Count)];
}
