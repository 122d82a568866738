using BenchmarkDotNet.Attributes;
using Nexus.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace Nexus.Benchmarks;

/// <summary>
/// BLAKE3 one-shot hashing (32-byte output) at 64 B, 1 KiB and 1 MiB on each kernel this CPU
/// supports (Auto = run-time dispatch), against BouncyCastle's Blake3Digest as the baseline.
/// Throughput is Size / Mean. Inputs up to 1 KiB are a single chunk, so every kernel setting
/// runs the same scalar compression there; the kernels differ from 2 chunks on. Min and Median
/// are shown next to Mean because the benchmark machine is shared.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class Blake3Benchmarks
{
    private byte[] _input = [];
    private readonly byte[] _output = new byte[32];
    private readonly Blake3Digest _digest = new(256);
    private Blake3Kernel _kernel;
    private bool _bouncyCastle;

    /// <summary>Input length in bytes.</summary>
    [Params(64, 1024, 1 << 20)]
    public int Size { get; set; }

    /// <summary>Auto, a pinned kernel (Vector512, Vector256, Scalar) or BouncyCastle.</summary>
    [ParamsSource(nameof(Implementations))]
    public string Implementation { get; set; } = "Auto";

    /// <summary>The implementations this machine can run.</summary>
    public static IEnumerable<string> Implementations()
    {
        yield return "Auto";
        if (Blake3Compress.Vector512KernelSupported)
        {
            yield return "Vector512";
        }

        if (Blake3Compress.Vector256KernelSupported)
        {
            yield return "Vector256";
        }

        yield return "Scalar";
        yield return "BouncyCastle";
    }

    [GlobalSetup]
    public void Setup()
    {
        _input = new byte[Size];
        new Random(42).NextBytes(_input);
        _bouncyCastle = Implementation == "BouncyCastle";
        _kernel = _bouncyCastle ? Blake3Kernel.Auto : Enum.Parse<Blake3Kernel>(Implementation);
    }

    [Benchmark]
    public byte Hash()
    {
        if (_bouncyCastle)
        {
            _digest.BlockUpdate(_input, 0, _input.Length);
            _digest.DoFinal(_output, 0);
        }
        else
        {
            // Thread-local, so set on the thread that runs the workload; a no-op cost next to a hash.
            Blake3Compress.ForcedKernel = _kernel;
            Blake3.Hash(_input, _output);
        }

        return _output[0];
    }
}
