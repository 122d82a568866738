using Microsoft.Extensions.Logging;

namespace Nexus.Mesh;

/// <summary>
/// Raises events in the order their changes happened and outside every lock of the owner: a change
/// is queued with <see cref="Enqueue"/> while the owner's lock is held (so the queue order is the
/// change order), and <see cref="RaisePending"/> runs the handlers after that lock is released. One
/// thread raises at a time: a thread that finds another one raising leaves its events to it, so
/// handlers never run concurrently, and a handler whose call causes another change does not recurse
/// (the new event is raised after it returns). Each subscriber is called on its own: one that throws
/// is logged, and the other subscribers and later events are still served.
/// </summary>
internal sealed partial class SerialEventQueue(ILogger logger)
{
    private readonly Lock _lock = new();
    private readonly Queue<Action> _queue = new();
    private int _queued; // written under _lock, read without it to keep RaisePending free when idle
    private bool _raising;

    /// <summary>Whether events wait to be raised (a lock-free read, for hot paths).</summary>
    public bool HasPending => Volatile.Read(ref _queued) != 0;

    /// <summary>Queues one event for the subscribers it has now (call it under the owner's lock, right after the change).</summary>
    /// <typeparam name="TArgs">The event data type.</typeparam>
    /// <param name="eventName">The event's name, for the log line of a throwing handler.</param>
    /// <param name="handlers">The event's delegate (no-op when null: nobody subscribed).</param>
    /// <param name="sender">The sender passed to the handlers.</param>
    /// <param name="args">The event data.</param>
    public void Enqueue<TArgs>(string eventName, EventHandler<TArgs>? handlers, object sender, TArgs args)
    {
        if (handlers is null)
        {
            return;
        }

        void Raise()
        {
            foreach (var handler in handlers.GetInvocationList())
            {
                try
                {
                    ((EventHandler<TArgs>)handler)(sender, args);
                }
#pragma warning disable CA1031 // A subscriber's exception must never break the owner.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    LogHandlerFailed(logger, eventName, e);
                }
            }
        }

        lock (_lock)
        {
            _queue.Enqueue(Raise);
            Volatile.Write(ref _queued, _queue.Count);
        }
    }

    /// <summary>Raises every queued event, unless another thread is raising them already. Call it only when the owner's lock is not held by this thread.</summary>
    public void RaisePending()
    {
        if (!HasPending)
        {
            return;
        }

        lock (_lock)
        {
            if (_raising)
            {
                return;
            }

            _raising = true;
        }

        while (true)
        {
            Action? next;
            lock (_lock)
            {
                if (!_queue.TryDequeue(out next))
                {
                    _raising = false;
                    return;
                }

                Volatile.Write(ref _queued, _queue.Count);
            }

            next();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A handler of {Event} threw; the other handlers were still called")]
    private static partial void LogHandlerFailed(ILogger logger, string @event, Exception exception);
}
