using System.Net;
using System.Net.Sockets;

namespace Nexus.Node.Tests;

/// <summary>Free TCP port ranges on 127.0.0.1 for child processes that are told their ports.</summary>
internal static class TestPorts
{
    /// <summary>
    /// A base port such that base … base+count−1 and, when <paramref name="secondOffset"/> is not 0,
    /// base+secondOffset … base+secondOffset+count−1 could all be bound a moment ago (probed by binding them).
    /// </summary>
    public static int FreeRange(int count, int secondOffset = 0)
    {
        for (int attempt = 0; attempt < 50; attempt++)
        {
            int start = Random.Shared.Next(20_000, 60_000 - secondOffset);
            var listeners = new List<TcpListener>();
            try
            {
                foreach (int first in secondOffset == 0 ? [start] : new[] { start, start + secondOffset })
                {
                    for (int i = 0; i < count; i++)
                    {
                        var listener = new TcpListener(IPAddress.Loopback, first + i);
                        listener.Start();
                        listeners.Add(listener);
                    }
                }

                return start;
            }
            catch (SocketException)
            {
                // Taken: try another range.
            }
            finally
            {
                listeners.ForEach(l => l.Stop());
            }
        }

        throw new InvalidOperationException("No free port range on 127.0.0.1.");
    }
}
