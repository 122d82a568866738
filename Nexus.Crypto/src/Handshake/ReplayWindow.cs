namespace Nexus.Crypto;

/// <summary>
/// A sliding anti-replay window over 64-bit counters (RFC 6479's bitmap, one bit per counter):
/// accepts each counter at most once and nothing more than <see cref="Size"/> − 1 below the highest
/// accepted counter. Thread-safe.
/// </summary>
internal sealed class ReplayWindow
{
    /// <summary>Window size in counters: 2048 (32 words of 64 bits).</summary>
    internal const int Size = 2048;

    private const int Words = Size / 64;

    private readonly ulong[] _bitmap = new ulong[Words];
    private readonly Lock _lock = new();
    private ulong _top;
    private bool _any;

    /// <summary>Whether <paramref name="counter"/> could be accepted now (does not record it).</summary>
    internal LinkOpenStatus Check(ulong counter)
    {
        lock (_lock)
        {
            return Classify(counter);
        }
    }

    /// <summary>Records <paramref name="counter"/> if it is new and inside the window.</summary>
    internal LinkOpenStatus Accept(ulong counter)
    {
        lock (_lock)
        {
            var status = Classify(counter);
            if (status != LinkOpenStatus.Ok)
            {
                return status;
            }

            if (!_any || counter > _top)
            {
                // Clear the bits of the counters the window slides over (all of them if it jumps past).
                ulong first = _any ? _top + 1 : 0;
                if (!_any || counter - _top >= Size)
                {
                    Array.Clear(_bitmap);
                }
                else
                {
                    for (ulong c = first; c < counter; c++)
                    {
                        _bitmap[(int)(c / 64 % Words)] &= ~(1UL << (int)(c % 64));
                    }
                }

                _top = counter;
                _any = true;
            }

            _bitmap[(int)(counter / 64 % Words)] |= 1UL << (int)(counter % 64);
            return LinkOpenStatus.Ok;
        }
    }

    private LinkOpenStatus Classify(ulong counter)
    {
        if (!_any || counter > _top)
        {
            return LinkOpenStatus.Ok;
        }

        if (_top - counter >= Size)
        {
            return LinkOpenStatus.TooOld;
        }

        bool seen = (_bitmap[(int)(counter / 64 % Words)] & (1UL << (int)(counter % 64))) != 0;
        return seen ? LinkOpenStatus.Replayed : LinkOpenStatus.Ok;
    }
}
