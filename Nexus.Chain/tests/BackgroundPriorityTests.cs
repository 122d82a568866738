namespace Nexus.Chain.Tests;

/// <summary>Gossip admission threads run at nice +10 on Linux so they cannot starve the consensus thread.</summary>
public sealed class BackgroundPriorityTests
{
    [Fact]
    public void Lowers_only_the_calling_thread_on_linux()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.False(BackgroundPriority.TryApplyToCurrentThread());
            return;
        }

        // /proc/thread-self/stat: field 19 is the nice value (fields after the parenthesised command name).
        static int Nice()
        {
            string stat = File.ReadAllText("/proc/thread-self/stat");
            return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16], System.Globalization.CultureInfo.InvariantCulture);
        }

        int before = Nice();
        int inside = int.MinValue;
        bool applied = false;
        var thread = new Thread(() =>
        {
            applied = BackgroundPriority.TryApplyToCurrentThread();
            inside = Nice();
        });
        thread.Start();
        thread.Join();

        Assert.True(applied);
        Assert.Equal(BackgroundPriority.Nice, inside);
        Assert.Equal(before, Nice()); // this thread is untouched
    }
}
