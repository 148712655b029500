using System.Text.Json;
using System.Text.Json.Nodes;
using Services.Api.Tests.Http;
using Services.Api.Webhooks;

namespace Services.Api.Tests.OpenApi;

public sealed class OpenApiDocumentTests(ApiFixture api) : IClassFixture<ApiFixture>
{
    private static readonly string[] Methods = ["get", "post", "put", "patch", "delete"];

    [Fact]
    public async Task The_committed_document_is_what_the_code_produces()
    {
        var produced = JsonNode.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"))!;
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(Contract.DocumentPath()))!;

        JsonNode.DeepEquals(produced, committed).ShouldBeTrue(
            "api-spec/openapi.json differs from the code: run 'dotnet build src/Services.Api' (Debug) and commit api-spec/openapi.json");
    }

    [Fact]
    public async Task Every_operation_has_an_id_a_summary_errors_and_a_security_requirement()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => Methods.Contains(op.Name)).Select(op => (Name: $"{op.Name.ToUpperInvariant()} {path.Name}", Operation: op.Value)))
            .ToList();

        operations.ShouldNotBeEmpty();
        foreach (var (name, operation) in operations)
        {
            operation.TryGetProperty("operationId", out _).ShouldBeTrue($"{name} has no operationId");
            operation.TryGetProperty("summary", out _).ShouldBeTrue($"{name} has no summary");
            operation.TryGetProperty("security", out _).ShouldBeTrue($"{name} has no security requirement");
            var statuses = operation.GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
            statuses.ShouldContain(s => s.StartsWith('2'), $"{name} has no success response");
            statuses.ShouldContain(s => s.StartsWith('4'), $"{name} has no error response");
        }
    }

    [Fact]
    public async Task Operation_ids_and_schema_names_are_distinct()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var ids = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => Methods.Contains(op.Name)))
            .Select(op => op.Value.GetProperty("operationId").GetString()).ToList();

        ids.Distinct().Count().ShouldBe(ids.Count);
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas").EnumerateObject().Select(s => s.Name).ToList();
        schemas.ShouldNotContain("Request");
        schemas.ShouldNotContain("Response");
    }

    [Fact]
    public async Task Descriptions_from_the_code_comments_read_as_prose_for_integrators()
    {
        var document = JsonNode.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"))!;
        var descriptions = Descriptions(document).ToList();

        descriptions.Count.ShouldBeGreaterThan(100);
        descriptions.ShouldContain(d => d.Contains("opaque reference for who uses the seat", StringComparison.Ordinal), "the XML comments are in the contract");
        descriptions.ShouldContain("A page of the change feed; `next` is always set: store it and pass it as `after`.");
        foreach (var description in descriptions)
        {
            description.ShouldNotContain("&lt;");
            description.ShouldNotContain("&amp;");
            System.Text.RegularExpressions.Regex.IsMatch(description, @"\b(string|int|long|bool|DateTimeOffset|DateOnly|Money)\?? [A-Z]\w*\.[A-Z]").ShouldBeFalse(description);
        }
    }

    private static IEnumerable<string> Descriptions(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "description" && p.Value is JsonValue v && v.TryGetValue<string>(out var text) ? [text] : Descriptions(p.Value)),
        JsonArray a => a.SelectMany(Descriptions),
        _ => [],
    };

    [Fact]
    public async Task Enums_are_strings_and_none_admits_null_whatever_property_met_it_first()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var enums = document.RootElement.GetProperty("components").GetProperty("schemas").EnumerateObject()
            .Where(schema => schema.Value.TryGetProperty("enum", out _)).ToList();

        enums.Select(schema => schema.Name).ShouldContain("AttendanceOutcome"); // BookingResponse.attendance is nullable, recordAttendance's outcome is not
        foreach (var schema in enums)
        {
            schema.Value.GetProperty("type").GetString().ShouldBe("string", schema.Name);
            schema.Value.GetProperty("enum").EnumerateArray().ShouldAllBe(value => value.ValueKind == JsonValueKind.String, schema.Name);
        }
    }

    [Fact]
    public async Task Every_event_type_has_the_schema_of_its_data()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var map = schemas.GetProperty("EventResponse").GetProperty("x-event-data").EnumerateObject().ToDictionary(e => e.Name, e => e.Value.GetString()!.Split('/')[^1]);

        map.Keys.Order(StringComparer.Ordinal).ShouldBe(api.Service<Services.EventStore.EventTypeRegistry>().Names.Order(StringComparer.Ordinal));
        foreach (var name in map.Values) schemas.TryGetProperty(name, out _).ShouldBeTrue(name);
        var requested = schemas.GetProperty(map["booking.requested"]).GetProperty("properties");
        requested.GetProperty("contact").GetRawText().ShouldContain("#/components/schemas/WithheldContact");
        requested.GetProperty("contact").GetRawText().ShouldContain("\"null\"");
        schemas.GetProperty(map["need.recorded"]).GetProperty("required").EnumerateArray().Select(e => e.GetString()).ShouldNotContain("companyId");
    }

    [Fact]
    public async Task Every_event_is_a_webhook_whose_body_is_the_event_with_its_data_and_whose_headers_are_required_and_so_is_the_ping_with_its_own_body()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var dataOf = document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty("EventResponse").GetProperty("x-event-data");
        var webhooks = document.RootElement.GetProperty("webhooks");
        var events = api.Service<Services.EventStore.EventTypeRegistry>().Names;

        webhooks.EnumerateObject().Select(w => w.Name).ShouldBe(events.Append(WebhookPing.Name).Order(StringComparer.Ordinal));
        foreach (var webhook in webhooks.EnumerateObject())
        {
            var post = webhook.Value.GetProperty("post");
            var schema = post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema");
            if (webhook.Name == WebhookPing.Name) schema.GetProperty("$ref").GetString().ShouldBe($"#/components/schemas/{nameof(WebhookPing)}");
            else
            {
                var body = schema.GetProperty("allOf");
                body[0].GetProperty("$ref").GetString().ShouldBe("#/components/schemas/EventResponse");
                body[1].GetProperty("properties").GetProperty("type").GetProperty("const").GetString().ShouldBe(webhook.Name);
                body[1].GetProperty("properties").GetProperty("data").GetProperty("$ref").GetString().ShouldBe(dataOf.GetProperty(webhook.Name).GetString());
            }
            post.GetProperty("parameters").EnumerateArray().Where(p => p.GetProperty("required").GetBoolean()).Select(p => p.GetProperty("name").GetString())
                .ShouldBe([WebhookSignature.Header, WebhookDeliveryWorker.EventIdHeader, WebhookDeliveryWorker.DeliveryIdHeader], ignoreOrder: true);
            post.GetProperty("responses").TryGetProperty("2XX", out _).ShouldBeTrue(webhook.Name);
        }
        document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty(nameof(WebhookPing)).GetProperty("properties")
            .GetProperty("type").GetProperty("const").GetString().ShouldBe(WebhookPing.Name);
    }

    [Fact]
    public async Task Answers_take_fields_added_later_while_what_only_requests_send_is_closed_as_the_server_refuses_unknown_fields()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        bool Closed(string name) => schemas.GetProperty(name).TryGetProperty("additionalProperties", out var allowed) && allowed.ValueKind == JsonValueKind.False;

        foreach (var request in new[] { "BookSeatRequest", "ContactDetails", "PublishOfferRequest", "ScheduleSlotItem" }) Closed(request).ShouldBeTrue(request);
        // Money and CoFunding: in requests and in answers (offers, statements, offer.published deliveries).
        foreach (var answer in new[] { "BookingResponse", "BookingContact", "PageOfBookingResponse", "ProblemDetails", "EventResponse", "UsageStatementResponse", "Money", "CoFunding", "OfferPublished" })
            Closed(answer).ShouldBeFalse(answer);
        schemas.EnumerateObject().Where(schema => schema.Name.EndsWith("Response", StringComparison.Ordinal) || schema.Name.StartsWith("PageOf", StringComparison.Ordinal))
            .Select(schema => schema.Name).Where(Closed).ShouldBeEmpty();
    }

    [Fact]
    public async Task Members_added_to_an_answer_later_are_not_required_since_answers_kept_before_them_are_replayed_without()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        List<string?> Required(string schema) => document.RootElement.GetProperty("components").GetProperty("schemas").GetProperty(schema).GetProperty("required")
            .EnumerateArray().Select(member => member.GetString()).ToList();

        var required = Required("BookingResponse");
        required.ShouldContain("status");
        required.ShouldNotContain("requestedAt");
        required.ShouldNotContain("cancelReason");
        required.ShouldNotContain("contact");
        Required("WebhookResponse").ShouldNotContain("previousSecretValidUntil");
    }

    [Fact]
    public async Task Forbidden_is_declared_where_an_operation_can_answer_it_naming_the_kinds_it_takes()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");
        JsonElement Answers(string path, string method) => paths.GetProperty(path).GetProperty(method).GetProperty("responses");

        Answers("/v1/offers", "get").TryGetProperty("403", out _).ShouldBeFalse("every kind reads the offers");
        Answers("/v1/me", "get").TryGetProperty("403", out _).ShouldBeFalse("every key reads whose it is");
        Answers("/v1/bookings", "post").GetProperty("403").GetProperty("description").GetString()!.ShouldContain("Keys of these kinds only: company, operator.");
        Answers("/v1/needs", "post").TryGetProperty("403", out _).ShouldBeTrue("companies only record needs");
        var changes = paths.EnumerateObject().SelectMany(path => path.Value.EnumerateObject().Where(operation => operation.Name is "post" or "put" or "patch" or "delete")).ToList();
        changes.ShouldNotBeEmpty();
        changes.ShouldAllBe(operation => operation.Value.GetProperty("responses").GetProperty("403").GetProperty("x-problem-codes").EnumerateArray()
            .Any(code => code.GetString() == Services.Api.Security.ReadOnlyKeys.Code), "a read key is refused every change");
        Answers("/v1/webhooks", "post").GetProperty("403").GetProperty("description").GetString().ShouldBe(
            "A key of access read may not change anything (key_read_only): use a key of full access.", "any kind creates webhooks");
    }

    [Fact]
    public async Task Every_409_names_each_problem_code_it_lists_and_says_so_where_no_business_rule_refuses_the_request()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var conflicts = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Where(op => Methods.Contains(op.Name)))
            .Where(op => op.Value.GetProperty("responses").TryGetProperty("409", out _))
            .Select(op => (Id: op.Value.GetProperty("operationId").GetString(), Answer: op.Value.GetProperty("responses").GetProperty("409")))
            .ToList();

        conflicts.ShouldContain(conflict => conflict.Id == "redeliverWebhookDelivery");
        foreach (var (id, answer) in conflicts)
        {
            var description = answer.GetProperty("description").GetString()!;
            var codes = answer.GetProperty("x-problem-codes").EnumerateArray().Select(code => code.GetString()!).ToList();
            codes.ShouldAllBe(code => description.Contains(code, StringComparison.Ordinal), id);
            if (codes.All(code => code.StartsWith("idempotency_key_", StringComparison.Ordinal)))
                description.ShouldStartWith("No business rule refuses this request.", customMessage: id);
        }
    }

    [Fact]
    public async Task The_feed_and_webhook_schemas_name_every_event_an_integrator_can_meet()
    {
        using var document = JsonDocument.Parse(await api.Anonymous().GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");
        var names = api.Service<Services.EventStore.EventTypeRegistry>().Names;

        names.ShouldContain("booking.confirmed");
        foreach (var (schema, property) in new[] { ("EventResponse", "type"), ("CreateWebhookRequest", "eventTypes") })
        {
            var description = schemas.GetProperty(schema).GetProperty("properties").GetProperty(property).GetProperty("description").GetString()!;
            names.ShouldAllBe(name => description.Contains(name + ",", StringComparison.Ordinal) || description.Contains(name + ".", StringComparison.Ordinal), $"{schema}.{property}");
        }
    }
}
