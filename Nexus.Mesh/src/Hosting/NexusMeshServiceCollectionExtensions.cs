using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Crypto;

namespace Nexus.Mesh;

/// <summary>Options of <see cref="NexusMeshServiceCollectionExtensions.AddNexusMesh"/>.</summary>
public sealed class NexusMeshOptions
{
    /// <summary>Transport settings.</summary>
    public MeshTransportOptions Transport { get; set; } = new();

    /// <summary>
    /// Path of the node identity file (<see cref="IdentityFile"/> format): loaded when it exists,
    /// otherwise a new identity is generated and saved there. Null: a new in-memory identity each run.
    /// </summary>
    public string? IdentityPath { get; set; }
}

/// <summary>Registers Nexus.Mesh services.</summary>
public static class NexusMeshServiceCollectionExtensions
{
    /// <summary>
    /// Adds the node's <see cref="NodeIdentity"/>, a <see cref="MeshTransport"/> and a
    /// <see cref="NexusLinkManager"/> as singletons (using <see cref="TimeProvider"/>,
    /// <see cref="ILoggerFactory"/> and <see cref="IMeterFactory"/> from the container when
    /// registered; <see cref="TimeProvider.System"/> otherwise). Interfaces are added to the transport
    /// by the host (<see cref="MeshTransport.AddInterface"/>).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures <see cref="NexusMeshOptions"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    public static IServiceCollection AddNexusMesh(this IServiceCollection services, Action<NexusMeshOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<NexusMeshOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp =>
        {
            var path = sp.GetRequiredService<IOptions<NexusMeshOptions>>().Value.IdentityPath;
            if (path is null)
            {
                return NodeIdentity.Generate();
            }

            if (File.Exists(path))
            {
                return IdentityFile.Load(path);
            }

            var identity = NodeIdentity.Generate();
            IdentityFile.Save(identity, path);
            return identity;
        });
        services.TryAddSingleton(sp => new MeshTransport(
            sp.GetRequiredService<NodeIdentity>(),
            sp.GetRequiredService<IOptions<NexusMeshOptions>>().Value.Transport,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILoggerFactory>()?.CreateLogger<MeshTransport>(),
            sp.GetService<IMeterFactory>()));
        services.TryAddSingleton(sp => new NexusLinkManager(sp.GetRequiredService<MeshTransport>(), sp.GetRequiredService<NodeIdentity>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
