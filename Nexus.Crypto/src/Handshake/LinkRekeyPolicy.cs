namespace Nexus.Crypto;

/// <summary>
/// When a <see cref="LinkSession"/> asks for a fresh handshake (decision D3, spec 01-mesh section 9):
/// after <see cref="Interval"/> of elapsed time or <see cref="ByteLimit"/> bytes sealed, whichever
/// comes first.
/// </summary>
/// <param name="Interval">Maximum session age; the spec's default is 1 hour.</param>
/// <param name="ByteLimit">Maximum plaintext bytes sealed under one key; the spec's default is max(1 MB, link bandwidth × 60 s).</param>
public sealed record LinkRekeyPolicy(TimeSpan Interval, long ByteLimit)
{
    /// <summary>1 hour or 1,000,000 bytes: the spec's rule for a link whose bandwidth is unknown or below 133 kbit/s.</summary>
    public static LinkRekeyPolicy Default { get; } = new(TimeSpan.FromHours(1), 1_000_000);

    /// <summary>The spec's rule for a link of known bandwidth: 1 hour or max(1 MB, bandwidth × 60 s / 8) bytes.</summary>
    /// <param name="bandwidthBitsPerSecond">Link bandwidth in bit/s (the spec's "bandwidth × 60 s" counts bits; we divide by 8).</param>
    /// <returns>The policy.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="bandwidthBitsPerSecond"/> is negative.</exception>
    public static LinkRekeyPolicy ForBandwidth(long bandwidthBitsPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bandwidthBitsPerSecond);
        long perMinute = bandwidthBitsPerSecond > long.MaxValue / 60 ? long.MaxValue / 8 : bandwidthBitsPerSecond * 60 / 8;
        return new(TimeSpan.FromHours(1), Math.Max(1_000_000, perMinute));
    }
}
