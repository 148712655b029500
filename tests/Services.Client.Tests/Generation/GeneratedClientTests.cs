using System.Reflection;

namespace Services.Client.Tests.Generation;

/// <summary>Keeps src/Services.Client in step with api-spec/openapi.json.</summary>
public sealed class GeneratedClientTests
{
    [Fact]
    public async Task The_generated_client_is_what_the_committed_document_produces()
    {
        var generated = ClientGenerator.Generate(await File.ReadAllTextAsync(Repository.OpenApiDocument));
        var stale = new List<string>();
        foreach (var (file, text) in generated)
        {
            var path = Path.Combine(Repository.ClientProject, file);
            var committed = File.Exists(path) ? (await File.ReadAllTextAsync(path)).ReplaceLineEndings("\n") : null;
            if (committed == text) continue;
            stale.Add(file);
            // Rewrite it, so that the next build has the client of the current document.
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllTextAsync(path, text);
        }
        stale.ShouldBeEmpty("src/Services.Client was out of date with api-spec/openapi.json and has been regenerated: rebuild, rerun the tests and commit the changes");
    }

    [Fact]
    public void Instants_the_api_may_leave_empty_are_nullable_and_the_others_are_not()
    {
        const string unowned = """
            {"name":"catalog","position":"0.0","lagEvents":0,"lagSeconds":0,"owner":null,"leaseUntil":null,
             "state":"idle","lastError":null,"updatedAt":"2026-11-22T10:00:00Z","deadLetters":0}
            """;
        var shard = System.Text.Json.JsonSerializer.Deserialize<Models.ProjectionStatusResponse>(unowned, ServicesClient.JsonOptions)!;
        shard.LeaseUntil.ShouldBeNull();
        shard.UpdatedAt.ShouldBe(new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.Zero));
    }

    [Fact]
    public void A_member_that_may_be_null_may_be_absent_so_an_answer_kept_from_before_it_was_added_still_reads()
    {
        const string keptBeforeCancelReason = """
            {"id":"bkg_01jbz3k9x0b00k1ngb00k1ng","companyId":"org_1","subscriptionId":"sub_1","offerId":"off_1","slotId":"slt_1",
             "slotStart":"2026-11-27T09:00:00Z","quantity":1,"beneficiaryRef":"hr-1","status":"cancelled","waitlistPosition":null,"attendance":null,"contact":null}
            """;

        var booking = System.Text.Json.JsonSerializer.Deserialize<Models.BookingResponse>(keptBeforeCancelReason, ServicesClient.JsonOptions)!;

        booking.Status.ShouldBe(Models.BookingStatus.Cancelled);
        booking.CancelReason.ShouldBeNull();
        booking.RequestedAt.ShouldBeNull();
    }

    [Fact]
    public void A_required_query_parameter_cannot_be_left_out_of_the_call()
    {
        var usage = typeof(ServicesClient).GetMethod(nameof(ServicesClient.GetCompanyUsageAsync))!;

        usage.GetParameters().Single(p => p.Name == "parameters").IsOptional.ShouldBeFalse();
        typeof(GetCompanyUsageParameters).GetProperty(nameof(GetCompanyUsageParameters.Month))!
            .IsDefined(typeof(System.Runtime.CompilerServices.RequiredMemberAttribute)).ShouldBeTrue();
        typeof(GetCompanyUsageParameters).GetProperty(nameof(GetCompanyUsageParameters.MinPosition))!
            .IsDefined(typeof(System.Runtime.CompilerServices.RequiredMemberAttribute)).ShouldBeFalse();
    }

    [Fact]
    public async Task Every_operation_of_the_document_has_exactly_one_client_method_and_every_method_an_operation()
    {
        var documented = ClientGenerator.Operations(await File.ReadAllTextAsync(Repository.OpenApiDocument));
        var methods = typeof(ServicesClient).GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Select(m => (Method: m, Operation: m.GetCustomAttribute<OperationAttribute>()))
            .Where(m => m.Operation is not null)
            .ToList();

        documented.ShouldNotBeEmpty();
        var missing = documented.Where(d => !methods.Any(m => m.Operation!.OperationId == d.OperationId)).Select(d => d.OperationId).ToList();
        missing.ShouldBeEmpty("operations of api-spec/openapi.json without a ServicesClient method (run the client tests to regenerate)");
        var unknown = methods.Where(m => !documented.Any(d => d.OperationId == m.Operation!.OperationId)).Select(m => $"{m.Method.Name} ({m.Operation!.OperationId})").ToList();
        unknown.ShouldBeEmpty("ServicesClient methods naming operations that api-spec/openapi.json no longer has");
        methods.GroupBy(m => m.Operation!.OperationId).Where(g => g.Count() > 1).Select(g => g.Key).ShouldBeEmpty("operations with more than one client method");
        foreach (var (method, operation) in methods)
        {
            var (_, verb, path) = documented.Single(d => d.OperationId == operation!.OperationId);
            $"{operation!.Method} {operation.Path}".ShouldBe($"{verb} {path}", $"{method.Name} calls another route than the document's");
        }
    }

    [Fact]
    public void A_query_parameter_that_takes_a_closed_set_is_typed_by_the_enum_of_the_same_values_and_stays_text_otherwise()
    {
        const string document = """
        {"openapi":"3.1.1","paths":{"/v1/bookings":{"get":{"operationId":"listBookings","summary":"Bookings",
          "parameters":[{"name":"status","in":"query","schema":{"enum":["requested","confirmed"],"type":"string"}},
                        {"name":"sort","in":"query","schema":{"enum":["newest","oldest"],"type":"string"}},
                        {"name":"state","in":"query","schema":{"enum":["active"],"type":"string"}}],
          "responses":{"204":{"description":"No Content"}}}}},
         "components":{"schemas":{"BookingStatus":{"enum":["requested","confirmed"],"type":"string"},
          "OfferStatus":{"enum":["active"],"type":"string"},"SubscriptionStatus":{"enum":["active"],"type":"string"}}}}
        """;

        var operations = ClientGenerator.Generate(document)[ClientGenerator.OperationsFile];

        operations.ShouldContain("public BookingStatus? Status { get; init; }");
        operations.ShouldContain("public string? Sort { get; init; }", customMessage: "no enum has these values");
        operations.ShouldContain("public string? State { get; init; }", customMessage: "two enums have these values");
    }

    [Fact]
    public void The_generator_follows_the_naming_rules()
    {
        ClientGenerator.Pascal("publishOffer").ShouldBe("PublishOffer");
        ClientGenerator.Pascal("spouse_welcome").ShouldBe("SpouseWelcome");
        ClientGenerator.Pascal("api-keys").ShouldBe("ApiKeys");
    }

    [Fact]
    public void An_operation_added_to_the_document_gets_a_method_and_a_list_gets_auto_paging()
    {
        const string document = """
        {"openapi":"3.1.1","paths":{"/v1/events":{"get":{"operationId":"listEvents","summary":"Events",
          "parameters":[{"name":"after","in":"query","description":"Cursor.","schema":{"type":"string"}},{"name":"limit","in":"query","schema":{"type":"integer","format":"int32"}}],
          "responses":{"200":{"description":"OK","content":{"application/json":{"schema":{"$ref":"#/components/schemas/PageOfEventResponse"}}}}}}},
          "/v1/webhooks/{webhookId}":{"delete":{"operationId":"deleteWebhook","parameters":[{"name":"webhookId","in":"path","required":true,"schema":{"type":"string"}}],"responses":{"204":{"description":"No Content"}}}}},
         "components":{"schemas":{"EventResponse":{"required":["id","data"],"type":"object","properties":{"id":{"type":"string"},"data":{}}},
          "PageOfEventResponse":{"required":["data","next"],"type":"object","properties":{"data":{"type":"array","items":{"$ref":"#/components/schemas/EventResponse"}},"next":{"type":["null","string"]}}}}}}
        """;
        var files = ClientGenerator.Generate(document);

        var operations = files[ClientGenerator.OperationsFile];
        operations.ShouldContain("""[Operation("listEvents", "GET", "/v1/events")]""");
        operations.ShouldContain("public Task<ApiResponse<PageOfEventResponse>> ListEventsAsync(ListEventsParameters? parameters = null");
        operations.ShouldContain("public IAsyncEnumerable<EventResponse> ListEventsAutoPagingAsync(");
        operations.ShouldContain("public Task<ApiResponse> DeleteWebhookAsync(string webhookId, RequestOptions? options = null");
        var models = files[ClientGenerator.ModelsFile];
        models.ShouldContain("public sealed record PageOfEventResponse : IPage<EventResponse>");
        models.ShouldContain("public required JsonElement Data { get; init; }");
    }
}
