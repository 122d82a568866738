using System.Runtime.InteropServices;

namespace Nexus.Chain;

/// <summary>
/// Runs bulk work below the consensus-critical threads. On Linux a thread's nice value is per thread
/// (setpriority(2) with PRIO_PROCESS and the thread id), and raising it needs no privilege: a thread at
/// nice +10 gets about a tenth of the CPU share of a nice-0 thread when both are runnable, so gossip
/// admission (signature checks of every incoming transaction) cannot starve the consensus thread and
/// stretch every height. Elsewhere nothing changes (.NET thread priorities have no effect on Linux).
/// </summary>
internal static partial class BackgroundPriority
{
    /// <summary>Nice value for admission threads: +10 (CFS weight 110 against 1,024 at nice 0).</summary>
    public const int Nice = 10;

    /// <summary>Lowers the calling thread's priority to <see cref="Nice"/>.</summary>
    /// <returns>True if applied (Linux); false on other systems or if the call failed.</returns>
    public static bool TryApplyToCurrentThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            return SetPriority(0 /* PRIO_PROCESS: a thread id here */, (uint)GetThreadId(), Nice) == 0;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "setpriority")]
    private static partial int SetPriority(int which, uint who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}
