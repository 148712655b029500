using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using Services.Api.Common;
using Services.Api.Security;

namespace Services.Api.Beneficiaries;

/// <summary>
/// Crypto-shredding of contact details. Each beneficiary (company + beneficiaryRef) gets one random
/// data key, kept in beneficiary_keys wrapped by the <see cref="MasterKey"/>; contact details are
/// sealed with it before they enter an event, and opened only to be shown. Erasing the beneficiary
/// deletes the key row: every copy of the ciphertext (events, read models, backups of either) is then
/// unreadable, while the events themselves stay as they were.
/// </summary>
public sealed class ContactVault(NpgsqlDataSource db, MasterKey masterKey, ILogger<ContactVault> logger)
{
    private static readonly JsonSerializerOptions DetailsJson = new(JsonSerializerDefaults.Web);

    /// <summary>Data keys already reported as not opening, so that each is logged once, not on every read.</summary>
    private readonly ConcurrentDictionary<string, bool> _unopened = new(StringComparer.Ordinal);

    /// <summary>
    /// Seals <paramref name="details"/> with the beneficiary's data key, making the key on first use;
    /// throws <see cref="SecretKeyUnavailableException"/> when its key opens with no configured master key.
    /// </summary>
    public async Task<SealedContact> SealAsync(string companyId, string beneficiaryRef, ContactDetails details, CancellationToken cancellationToken)
    {
        var (keyId, key) = await KeyOfAsync(companyId, beneficiaryRef, cancellationToken);
        var plaintext = JsonSerializer.SerializeToUtf8Bytes(details, DetailsJson);
        return new SealedContact(keyId, Convert.ToBase64String(SecretBox.Seal(key, plaintext, keyId)));
    }

    /// <summary>
    /// Opens each sealed contact whose key still exists; the others are erased. One whose key exists but
    /// was wrapped under a master key no longer configured is withheld: the details are not gone, they
    /// come back with the master key, and a read must not fail on them.
    /// </summary>
    public async Task<IReadOnlyList<BookingContact>> OpenAsync(IReadOnlyList<SealedContact> contacts, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(contacts);
        if (contacts.Count == 0) return [];
        var keys = new Dictionary<string, byte[]?>(StringComparer.Ordinal);
        await using (var command = db.CreateCommand("select key_id, wrapped_key from beneficiary_keys where key_id = any($1)"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = contacts.Select(c => c.KeyId).Distinct(StringComparer.Ordinal).ToArray() });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var keyId = reader.GetString(0);
                keys[keyId] = Unwrapped(reader.GetFieldValue<byte[]>(1), keyId);
            }
        }
        return [.. contacts.Select(contact => !keys.TryGetValue(contact.KeyId, out var key) ? BookingContact.Erased
            : key is null ? BookingContact.Withheld
            : BookingContact.Available(JsonSerializer.Deserialize<ContactDetails>(SecretBox.Open(key, Convert.FromBase64String(contact.Ciphertext), contact.KeyId), DetailsJson)!))];
    }

    /// <summary>The data key, or null when it does not open with this node's master keys.</summary>
    private byte[]? Unwrapped(byte[] wrapped, string keyId)
    {
        try
        {
            return masterKey.Unwrap(wrapped, keyId);
        }
        catch (CryptographicException)
        {
            if (_unopened.TryAdd(keyId, true))
            {
                logger.LogWarning("Beneficiary data key {KeyId} does not open with this node's master key (was {Setting} changed without moving the old one to {Previous}?): " +
                    "its contact details are withheld, and bookings giving new ones refused", keyId, MasterKey.ConfigurationKey, MasterKey.PreviousConfigurationKey);
            }
            return null;
        }
    }

    public async Task<BookingContact> OpenAsync(SealedContact contact, CancellationToken cancellationToken) =>
        (await OpenAsync([contact], cancellationToken))[0];

    /// <summary>The beneficiary's data key id, or null when it has none (never given contact details, or erased since).</summary>
    public async Task<string?> KeyIdOfAsync(string companyId, string beneficiaryRef, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand("select key_id from beneficiary_keys where company_id = $1 and beneficiary_ref = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter { Value = beneficiaryRef });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Destroys a data key (the row goes, not a flag), in the transaction that records the erasure.</summary>
    public static NpgsqlBatchCommand Destroy(string keyId)
    {
        var command = new NpgsqlBatchCommand("delete from beneficiary_keys where key_id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        return command;
    }

    private async Task<(string KeyId, byte[] Key)> KeyOfAsync(string companyId, string beneficiaryRef, CancellationToken cancellationToken)
    {
        var keyId = Ids.New(Ids.DataKey);
        var key = RandomNumberGenerator.GetBytes(SecretBox.KeySize);
        // One statement whether the key exists or not; a concurrent first use waits on the row and gets the winner's key.
        await using var command = db.CreateCommand("""
            insert into beneficiary_keys as k (key_id, company_id, beneficiary_ref, wrapped_key) values ($1, $2, $3, $4)
            on conflict (company_id, beneficiary_ref) do update set company_id = k.company_id
            returning key_id, wrapped_key
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = keyId });
        command.Parameters.Add(new NpgsqlParameter { Value = companyId });
        command.Parameters.Add(new NpgsqlParameter { Value = beneficiaryRef });
        command.Parameters.Add(new NpgsqlParameter { Value = masterKey.Wrap(key, keyId) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var storedId = reader.GetString(0);
        return storedId == keyId ? (keyId, key) : (storedId, Unwrapped(reader.GetFieldValue<byte[]>(1), storedId) ?? throw new SecretKeyUnavailableException());
    }

    public static readonly WrappedSecrets WrappedKeys = new(
        "beneficiary data keys",
        "select array[key_id], key_id, wrapped_key from beneficiary_keys where key_id > $1[1] order by key_id limit $2",
        "update beneficiary_keys set wrapped_key = $3 where key_id = $1[1] and wrapped_key = $2");
}
