using System.Security.Cryptography;

namespace Services.EventStore;

/// <summary>
/// Event ids as <see cref="Guid.CreateVersion7()"/> makes them (48 bits of Unix milliseconds, then
/// random bits), with the random bits drawn from the kernel in bulk. Guid.CreateVersion7 reads
/// /dev/urandom once per id: one system call per event, a fifth of a lone append's system calls
/// (strace of ops/Services.Bench append-one), and system calls are dear on a virtual machine.
/// </summary>
internal static class EventIds
{
    private const int IdSize = 16;
    private const int IdsPerDraw = 256;

    [ThreadStatic] private static byte[]? t_random;
    [ThreadStatic] private static int t_next;

    public static Guid NewId() => NewId(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());

    internal static Guid NewId(long unixMilliseconds)
    {
        var random = t_random ??= new byte[IdSize * IdsPerDraw];
        if (t_next == 0) RandomNumberGenerator.Fill(random);
        Span<byte> id = stackalloc byte[IdSize];
        random.AsSpan(t_next * IdSize, IdSize).CopyTo(id);
        t_next = (t_next + 1) % IdsPerDraw;
        for (var i = 0; i < 6; i++) id[i] = (byte)(unixMilliseconds >> (8 * (5 - i)));
        id[6] = (byte)(0x70 | (id[6] & 0x0F)); // version 7
        id[8] = (byte)(0x80 | (id[8] & 0x3F)); // RFC 9562 variant
        return new Guid(id, bigEndian: true);
    }
}
