namespace Nexus.Bridges.Evm;

/// <summary>Options of <see cref="EthereumRpcClient"/>.</summary>
public sealed class EthereumRpcClientOptions
{
    /// <summary>Retries after the first attempt for transient failures (network errors, HTTP 408/429/5xx, HTTP timeouts). Default 3; 0 disables retries.</summary>
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>The delay before the first retry; later retries back off exponentially with jitter. Default 200 ms.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest delay between retries. Default 5 s.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The interval between eth_getTransactionReceipt polls in <see cref="EthereumRpcClient.WaitForReceiptAsync"/>. Default 250 ms.</summary>
    public TimeSpan ReceiptPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The largest response body accepted, in bytes. Default 64 MiB.</summary>
    public int MaxResponseBytes { get; set; } = 64 * 1024 * 1024;
}
