namespace Nexus.Mesh.Congestion;

/// <summary>A growable ring-buffer double-ended queue: O(1) enqueue at the tail, dequeue at the head and removal at the tail.</summary>
internal sealed class PacketDeque
{
    private ScheduledPacket[] _items = new ScheduledPacket[8];
    private int _head;

    public int Count { get; private set; }

    public ScheduledPacket Peek() => _items[_head];

    public void Enqueue(ScheduledPacket packet)
    {
        if (Count == _items.Length)
        {
            var larger = new ScheduledPacket[_items.Length * 2];
            for (int i = 0; i < Count; i++)
            {
                larger[i] = _items[(_head + i) % _items.Length];
            }

            _items = larger;
            _head = 0;
        }

        _items[(_head + Count) % _items.Length] = packet;
        Count++;
    }

    public ScheduledPacket Dequeue()
    {
        var packet = _items[_head];
        _items[_head] = null!;
        _head = (_head + 1) % _items.Length;
        Count--;
        return packet;
    }

    public ScheduledPacket RemoveLast()
    {
        int index = (_head + Count - 1) % _items.Length;
        var packet = _items[index];
        _items[index] = null!;
        Count--;
        return packet;
    }
}
