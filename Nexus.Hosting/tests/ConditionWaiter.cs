namespace Nexus.Hosting.Tests;

/// <summary>
/// Awaits a condition over real nodes without polling: the condition is re-checked on every event of
/// the sources added with <see cref="On{TArgs}"/> (or <see cref="Check"/>), and once right after
/// subscribing, so a change that happened before the subscription is not lost. Bounded by a timeout
/// (real sockets and the system clock); an exception thrown by the condition fails the wait.
/// </summary>
internal sealed class ConditionWaiter(Func<bool> condition) : IDisposable
{
    private readonly TaskCompletionSource _met = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<Action> _unsubscribe = [];

    /// <summary>Re-checks the condition on each event of a source.</summary>
    public ConditionWaiter On<TArgs>(Action<EventHandler<TArgs>> subscribe, Action<EventHandler<TArgs>> unsubscribe)
    {
        void Handler(object? sender, TArgs e) => Check();
        subscribe(Handler);
        _unsubscribe.Add(() => unsubscribe(Handler));
        return this;
    }

    /// <summary>Checks the condition now (from any thread).</summary>
    public void Check()
    {
        try
        {
            if (condition())
            {
                _met.TrySetResult();
            }
        }
        catch (Exception e)
        {
            _met.TrySetException(e);
        }
    }

    /// <summary>Completes when the condition holds; fails the test after <paramref name="timeout"/>.</summary>
    public async Task WaitAsync(string what, TimeSpan timeout, Func<string>? diagnostics = null)
    {
        Check();
        try
        {
            await _met.Task.WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"timed out after {timeout.TotalSeconds} s waiting for {what}{(diagnostics is null ? string.Empty : ": " + diagnostics())}");
        }
    }

    public void Dispose()
    {
        foreach (var unsubscribe in _unsubscribe)
        {
            unsubscribe();
        }
    }
}
