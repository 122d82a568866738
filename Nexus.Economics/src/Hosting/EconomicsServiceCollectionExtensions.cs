using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nexus.Crypto;

namespace Nexus.Economics;

/// <summary>Registers Nexus.Economics in a service collection.</summary>
public static class EconomicsServiceCollectionExtensions
{
    /// <summary>
    /// Adds a singleton <see cref="EconomicsNode"/> (and its <see cref="ChannelKeyCache"/>,
    /// <see cref="CrdtLedger"/> via the node) for this node's identity. The host must register an
    /// <see cref="IChannelMessageTransport"/> (for example a <see cref="LinkChannelTransport"/>, then
    /// <see cref="LinkChannelTransport.Attach"/> the node); an <see cref="ISettlementGossip"/> is used when
    /// registered, else publishing is left to <see cref="EconomicsNode.UseGossip"/> (a
    /// <see cref="SettlementGossipTopic"/> is built over the node's validator, so after the node).
    /// Stores: a registered <see cref="IChannelStore"/>/<see cref="ILedgerStore"/> if any; otherwise a
    /// <see cref="RocksDbEconomicsStore"/> in <see cref="EconomicsOptions.DataDirectory"/> when set, else
    /// in memory. Uses the registered <see cref="TimeProvider"/> (default system),
    /// <see cref="ILoggerFactory"/> and <see cref="IMeterFactory"/> when present.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="signingKey">The node's Ed25519 identity key (owned by the caller).</param>
    /// <param name="localHash">The node's 16-byte destination hash.</param>
    /// <param name="configure">Adjusts <see cref="EconomicsOptions"/>.</param>
    /// <returns><paramref name="services"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="signingKey"/> is null.</exception>
    public static IServiceCollection AddNexusEconomics(this IServiceCollection services, Ed25519PrivateKey signingKey, Hash128 localHash,
        Action<EconomicsOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(signingKey);
        var builder = services.AddOptions<EconomicsOptions>();
        if (configure is not null)
        {
            builder.Configure(configure);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new ChannelKeyCache());
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<EconomicsOptions>>().Value;
            var channelStore = sp.GetService<IChannelStore>();
            var ledgerStore = sp.GetService<ILedgerStore>();
            var rocks = options.DataDirectory is { Length: > 0 } directory && (channelStore is null || ledgerStore is null)
                ? new RocksDbEconomicsStore(directory)
                : null;
            return new EconomicsNode(signingKey, localHash,
                sp.GetRequiredService<IChannelMessageTransport>(), sp.GetService<ISettlementGossip>(), options,
                channelStore ?? rocks, ledgerStore ?? rocks, sp.GetRequiredService<ChannelKeyCache>(),
                epochBalances: null, sp.GetRequiredService<TimeProvider>(), sp.GetService<ILoggerFactory>(), sp.GetService<IMeterFactory>())
            {
                OwnedStore = rocks,
            };
        });
        return services;
    }
}
