using System.Security.Cryptography;
using System.Text;
using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>
/// Reticulum interface access codes (RNS 1.4.2 <c>Reticulum</c>/<c>Transport</c> IFAC): an
/// interface configured with a network name and/or passphrase signs every packet and masks it.
/// Key = HKDF-SHA-256(ikm = SHA-256(SHA-256(name) ‖ SHA-256(passphrase)), salt = IFAC salt, L = 64);
/// IFAC = last <see cref="Size"/> bytes of the Ed25519 signature (seed = key[32..64]) of the packet;
/// wire form = <c>flags|0x80, hops, IFAC, rest</c> masked with HKDF(ikm = IFAC, salt = key,
/// L = length) except the IFAC bytes (bit 7 of byte 0 stays set). Dispose to wipe the key.
/// </summary>
public sealed class Ifac : IDisposable
{
    private static readonly byte[] Salt = Convert.FromHexString("adf54d882c9a9b80771eb4995d702d4a3e733391b2a0f53f416d9f907e55cff8");
    private readonly byte[] _key;
    private readonly Ed25519PrivateKey _signer;

    private Ifac(byte[] key, int size)
    {
        _key = key;
        Size = size;
        _signer = Ed25519PrivateKey.Import(key.AsSpan(32, 32));
    }

    /// <summary>IFAC length in bytes (RNS default 16 for TCP/UDP, 8 for radios; 1..64).</summary>
    public int Size { get; }

    /// <summary>The Ed25519 public key of the IFAC identity.</summary>
    public Ed25519PublicKey PublicKey => _signer.PublicKey;

    /// <summary>The 64-byte IFAC key (for tests and diagnostics).</summary>
    public ReadOnlySpan<byte> Key => _key;

    /// <summary>Derives the IFAC key from a network name and/or passphrase, as RNS does.</summary>
    /// <param name="networkName">The network name, or <see langword="null"/>.</param>
    /// <param name="passphrase">The passphrase, or <see langword="null"/>.</param>
    /// <param name="size">IFAC size in bytes (1..64; RNS uses 16 on TCP).</param>
    /// <returns>The access code engine.</returns>
    /// <exception cref="ArgumentException">Both inputs are null or <paramref name="size"/> is out of range.</exception>
    public static Ifac Create(string? networkName, string? passphrase, int size = 16)
    {
        if (networkName is null && passphrase is null)
        {
            throw new ArgumentException("An IFAC needs a network name or a passphrase.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 64);
        var origin = new List<byte>();
        if (networkName is not null)
        {
            origin.AddRange(Sha2.Sha256(Encoding.UTF8.GetBytes(networkName)).AsSpan());
        }

        if (passphrase is not null)
        {
            origin.AddRange(Sha2.Sha256(Encoding.UTF8.GetBytes(passphrase)).AsSpan());
        }

        var key = new byte[64];
        Hkdf.DeriveKey(Sha2.Sha256(origin.ToArray()).AsSpan(), Salt, [], key);
        return new Ifac(key, size);
    }

    /// <summary>Adds the access code to an outgoing packet and masks it.</summary>
    /// <param name="packet">The packet (IFAC flag clear).</param>
    /// <param name="destination">At least packet length + <see cref="Size"/> bytes.</param>
    /// <returns>Bytes written.</returns>
    /// <exception cref="ArgumentException">The packet is shorter than 2 bytes or the destination too short.</exception>
    public int Wrap(ReadOnlySpan<byte> packet, Span<byte> destination)
    {
        if (packet.Length < 2 || destination.Length < packet.Length + Size)
        {
            throw new ArgumentException("Packet too short or destination too small.", nameof(destination));
        }

        Span<byte> signature = stackalloc byte[64];
        _signer.Sign(packet, signature);
        var ifac = signature[(64 - Size)..];
        var length = packet.Length + Size;
        var mask = length <= 1024 ? stackalloc byte[1024] : new byte[length];
        Hkdf.DeriveKey(ifac, _key, [], mask[..length]);
        destination[0] = (byte)(packet[0] | 0x80);
        destination[1] = packet[1];
        ifac.CopyTo(destination[2..]);
        packet[2..].CopyTo(destination[(2 + Size)..]);
        for (var i = 0; i < length; i++)
        {
            if (i == 0)
            {
                destination[0] = (byte)((destination[0] ^ mask[0]) | 0x80);
            }
            else if (i == 1 || i > Size + 1)
            {
                destination[i] ^= mask[i];
            }
        }

        return length;
    }

    /// <summary>Checks and removes the access code of an incoming frame. Never throws.</summary>
    /// <param name="frame">The received bytes.</param>
    /// <param name="destination">At least frame length − <see cref="Size"/> bytes.</param>
    /// <param name="written">Unmasked packet length on success.</param>
    /// <returns><see langword="false"/> when the IFAC flag is missing, the frame is too short, or the code does not verify (RNS drops such packets).</returns>
    public bool TryUnwrap(ReadOnlySpan<byte> frame, Span<byte> destination, out int written)
    {
        written = 0;
        if (frame.Length <= 2 + Size || (frame[0] & 0x80) == 0 || destination.Length < frame.Length - Size)
        {
            return false;
        }

        var ifac = frame.Slice(2, Size);
        var mask = frame.Length <= 1024 ? stackalloc byte[1024] : new byte[frame.Length];
        Hkdf.DeriveKey(ifac, _key, [], mask[..frame.Length]);
        destination[0] = (byte)((frame[0] ^ mask[0]) & 0x7F);
        destination[1] = (byte)(frame[1] ^ mask[1]);
        for (var i = 2 + Size; i < frame.Length; i++)
        {
            destination[i - Size] = (byte)(frame[i] ^ mask[i]);
        }

        var length = frame.Length - Size;
        Span<byte> signature = stackalloc byte[64];
        _signer.Sign(destination[..length], signature);
        if (!CryptographicOperations.FixedTimeEquals(signature[(64 - Size)..], ifac))
        {
            return false;
        }

        written = length;
        return true;
    }

    /// <summary>Wipes the key.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        _signer.Dispose();
    }
}
