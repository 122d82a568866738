using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Nexus.Hosting;

/// <summary>Registers a Nexus node in a service collection (Microsoft.Extensions.Hosting).</summary>
public static class NexusNodeServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="NexusNodeHost"/> singleton that starts a <see cref="NexusNode"/> with
    /// <paramref name="options"/> when the host starts (as an <see cref="IHostedService"/>) and disposes
    /// it (state flushed) when the host stops. Uses the registered <see cref="ILoggerFactory"/> and
    /// <see cref="TimeProvider"/> when present. A control-API <c>shutdown</c> stops the application
    /// through <see cref="IHostApplicationLifetime"/> when one is registered.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="options">The node options.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="options"/> is null.</exception>
    public static IServiceCollection AddNexusNode(this IServiceCollection services, NodeOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.TryAddSingleton(sp => new NexusNodeHost(options, sp.GetService<ILoggerFactory>(), sp.GetService<TimeProvider>(), sp.GetService<IHostApplicationLifetime>()));
        services.AddHostedService(sp => sp.GetRequiredService<NexusNodeHost>());
        return services;
    }
}

/// <summary>
/// Runs a <see cref="NexusNode"/> as an <see cref="IHostedService"/>: <see cref="StartAsync"/> starts it
/// (throws <see cref="NodeStartException"/> on a one-line start error), <see cref="StopAsync"/> disposes it.
/// Resolve this class to reach the running <see cref="Node"/>.
/// </summary>
public sealed class NexusNodeHost : IHostedService, IAsyncDisposable
{
    private readonly NodeOptions _options;
    private readonly ILoggerFactory? _loggerFactory;
    private readonly TimeProvider? _time;
    private readonly IHostApplicationLifetime? _lifetime;
    private NexusNode? _node;
    private CancellationTokenRegistration _shutdown;

    /// <summary>Creates a host for one node.</summary>
    /// <param name="options">The node options.</param>
    /// <param name="loggerFactory">Logging; null for none.</param>
    /// <param name="time">The clock; null for the system clock.</param>
    /// <param name="lifetime">Stopped when a client asks the node to shut down; null to ignore such requests.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    public NexusNodeHost(NodeOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null, IHostApplicationLifetime? lifetime = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _loggerFactory = loggerFactory;
        _time = time;
        _lifetime = lifetime;
    }

    /// <summary>The running node.</summary>
    /// <exception cref="InvalidOperationException">The host has not started (or has stopped).</exception>
    public NexusNode Node => _node ?? throw new InvalidOperationException("The node is not running; start the host first.");

    /// <summary>Starts the node.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>Completes when the node runs.</returns>
    /// <exception cref="NodeStartException">See <see cref="NexusNode.StartAsync"/>.</exception>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _node = await NexusNode.StartAsync(_options, _loggerFactory, _time, cancellationToken).ConfigureAwait(false);
        if (_lifetime is { } lifetime)
        {
            _shutdown = _node.ShutdownRequested.Register(lifetime.StopApplication);
        }
    }

    /// <summary>Stops the node (state flushed before this completes).</summary>
    /// <param name="cancellationToken">Unused: stopping is not abandoned half-way.</param>
    /// <returns>Completes when stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    /// <summary>Stops the node if it runs.</summary>
    /// <returns>Completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        await _shutdown.DisposeAsync().ConfigureAwait(false);
        if (Interlocked.Exchange(ref _node, null) is { } node)
        {
            await node.DisposeAsync().ConfigureAwait(false);
        }
    }
}
