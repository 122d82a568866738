using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Nexus.Bridges.Evm;

/// <summary>Registers <see cref="EthereumRpcClient"/> with Microsoft.Extensions.DependencyInjection.</summary>
public static class EthereumRpcServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> the client uses (configure it with <c>services.AddHttpClient(name)</c>).</summary>
    public const string HttpClientName = "Nexus.Bridges.EthereumRpc";

    /// <summary>
    /// Adds a singleton <see cref="EthereumRpcClient"/> for <paramref name="endpoint"/>, on a named <see cref="HttpClient"/>
    /// from <see cref="System.Net.Http.IHttpClientFactory"/>, with the container's <see cref="ILogger{TCategoryName}"/> and
    /// <see cref="TimeProvider"/> (<see cref="TimeProvider.System"/> when none is registered).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="endpoint">The node's HTTP JSON-RPC endpoint.</param>
    /// <param name="configure">Adjusts the options, or null for the defaults.</param>
    /// <returns>The builder of the named HTTP client, to add handlers or settings.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="services"/> or <paramref name="endpoint"/> is null.</exception>
    public static IHttpClientBuilder AddEthereumRpcClient(this IServiceCollection services, Uri endpoint, Action<EthereumRpcClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(endpoint);
        var options = new EthereumRpcClientOptions();
        configure?.Invoke(options);
        IHttpClientBuilder builder = services.AddHttpClient(HttpClientName);
        services.AddSingleton(provider => new EthereumRpcClient(
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(HttpClientName),
            endpoint,
            options,
            provider.GetService<ILogger<EthereumRpcClient>>(),
            provider.GetService<TimeProvider>()));
        return builder;
    }
}
