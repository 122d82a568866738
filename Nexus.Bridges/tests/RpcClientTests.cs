using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Text;
using Nexus.Bridges.Evm;

namespace Nexus.Bridges.Tests;

public class RpcClientTests
{
    private sealed class ScriptedHandler(Queue<Func<HttpResponseMessage>> script) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(script.Dequeue()());
        }
    }

    private static HttpResponseMessage Json(string body) => new(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static EthereumRpcClient Client(ScriptedHandler handler, int retries) =>
        new(new HttpClient(handler), new Uri("http://127.0.0.1:1"), new EthereumRpcClientOptions { MaxRetryAttempts = retries, RetryBaseDelay = TimeSpan.Zero });

    [Fact]
    public async Task Transient_http_failures_are_retried_then_succeed()
    {
        var handler = new ScriptedHandler(new Queue<Func<HttpResponseMessage>>([
            () => new HttpResponseMessage(HttpStatusCode.ServiceUnavailable),
            () => new HttpResponseMessage(HttpStatusCode.TooManyRequests),
            () => Json("""{"jsonrpc":"2.0","id":1,"result":"0x7a69"}"""),
        ]));
        Assert.Equal(31337UL, await Client(handler, 3).GetChainIdAsync());
        Assert.Equal(3, handler.Calls);
    }

    [Fact]
    public async Task Retries_stop_after_the_configured_attempts()
    {
        var handler = new ScriptedHandler(new Queue<Func<HttpResponseMessage>>(Enumerable.Repeat<Func<HttpResponseMessage>>(() => new HttpResponseMessage(HttpStatusCode.BadGateway), 5)));
        await Assert.ThrowsAsync<HttpRequestException>(() => Client(handler, 2).GetBlockNumberAsync());
        Assert.Equal(3, handler.Calls);
    }

    [Fact]
    public async Task Rpc_errors_are_not_retried_and_carry_code_and_data()
    {
        var handler = new ScriptedHandler(new Queue<Func<HttpResponseMessage>>([
            () => Json("""{"jsonrpc":"2.0","id":1,"error":{"code":3,"message":"execution reverted","data":"0x08c379a0"}}"""),
        ]));
        EthereumRpcException e = await Assert.ThrowsAsync<EthereumRpcException>(() => Client(handler, 3).CallAsync(new CallRequest(), BlockParameter.Latest));
        Assert.Equal(3, e.Code);
        Assert.Equal("\"0x08c379a0\"", e.Data);
        Assert.Equal(1, handler.Calls);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"jsonrpc":"2.0","id":1}""")]
    [InlineData("""{"jsonrpc":"2.0","id":2,"result":"0x1"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":"12"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":"0x10000000000000000"}""")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{"a":1}}""")]
    public async Task Malformed_responses_throw_the_format_exception(string body)
    {
        var handler = new ScriptedHandler(new Queue<Func<HttpResponseMessage>>([() => Json(body)]));
        await Assert.ThrowsAsync<EvmFormatException>(() => Client(handler, 0).GetBlockNumberAsync());
    }

    [Fact]
    public async Task Cancellation_is_honoured()
    {
        var handler = new ScriptedHandler(new Queue<Func<HttpResponseMessage>>([() => Json("""{"jsonrpc":"2.0","id":1,"result":"0x1"}""")]));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Client(handler, 3).GetBlockNumberAsync(cts.Token));
    }

    [Fact]
    public async Task Receipt_polling_waits_on_the_time_provider_and_times_out()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var handler = new ScriptedHandler(new Queue<Func<HttpResponseMessage>>(Enumerable.Range(1, 10).Select<int, Func<HttpResponseMessage>>(i => () => Json($$"""{"jsonrpc":"2.0","id":{{i}},"result":null}"""))));
        var client = new EthereumRpcClient(new HttpClient(handler), new Uri("http://127.0.0.1:1"), new EthereumRpcClientOptions { ReceiptPollInterval = TimeSpan.FromSeconds(1) }, timeProvider: time);
        Task<TransactionReceipt> wait = client.WaitForReceiptAsync(Hash32.EmptyKeccak, TimeSpan.FromSeconds(3));
        for (int i = 0; i < 5 && !wait.IsCompleted; i++)
        {
            while (handler.Calls <= i && !wait.IsCompleted)
            {
                await Task.Yield();
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }

        await Assert.ThrowsAsync<TimeoutException>(() => wait);
        Assert.Equal(4, handler.Calls);
    }
}

public class RpcServiceRegistrationTests
{
    [Fact]
    public async Task AddEthereumRpcClient_resolves_a_client_on_the_named_http_client()
    {
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        var handler = new StubHandler();
        services.AddEthereumRpcClient(new Uri("http://127.0.0.1:1"), o => o.MaxRetryAttempts = 0)
            .ConfigurePrimaryHttpMessageHandler(() => handler);
        using var provider = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
        EthereumRpcClient client = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<EthereumRpcClient>(provider);
        Assert.Equal(5UL, await client.GetBlockNumberAsync());
        Assert.Equal(1, handler.Calls);
    }

    private sealed class StubHandler : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"jsonrpc":"2.0","id":1,"result":"0x5"}""", Encoding.UTF8, "application/json") });
        }
    }
}
