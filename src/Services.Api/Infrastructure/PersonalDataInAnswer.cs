namespace Services.Api.Infrastructure;

/// <summary>
/// Said by a handler whose answer shows personal details guarded by a beneficiary's data key: the
/// copy of the answer kept for retries (<see cref="Idempotency"/>) must not outlive that key. The
/// kept copy is then stored twice, whole and with <paramref name="Property"/> set to
/// <paramref name="Erased"/>; erasing the beneficiary drops the whole one in its own transaction,
/// and a retry gets the other.
/// </summary>
/// <param name="Property">The answer's property holding the details, as the C# member is named (the JSON naming policy applies).</param>
public sealed record PersonalDataInAnswer(string DataKeyId, string Property, object Erased);
