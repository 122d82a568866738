using System.Numerics;
using Nexus.Bridges.Evm;

namespace Nexus.Bridges.Tests.Anvil;

public class AnvilTests : IClassFixture<AnvilFixture>
{
    private static readonly TimeSpan ReceiptTimeout = TimeSpan.FromSeconds(60);
    private readonly AnvilFixture _anvil;

    public AnvilTests(AnvilFixture anvil)
    {
        _anvil = anvil;
    }

    private EthereumRpcClient Rpc => _anvil.Rpc;

    private async Task<TransactionReceipt> SendAsync(Secp256k1PrivateKey key, Transaction tx)
    {
        Transaction signed = tx.Sign(key);
        Hash32 hash = await Rpc.SendRawTransactionAsync(signed.Encode());
        Assert.Equal(signed.GetHash(), hash);
        TransactionReceipt receipt = await Rpc.WaitForReceiptAsync(hash, ReceiptTimeout);
        Assert.True(receipt.Succeeded, $"transaction {hash} reverted");
        return receipt;
    }

    private async Task<Address> DeployAsync(Secp256k1PrivateKey key, bool legacy, BigInteger initial)
    {
        ulong chainId = await Rpc.GetChainIdAsync();
        ulong nonce = await Rpc.GetTransactionCountAsync(key.Address, BlockParameter.Pending);
        byte[] init = [.. _anvil.StoreBytecode, .. _anvil.StoreAbi.EncodeConstructorArguments(initial)];
        ulong gas = await Rpc.EstimateGasAsync(new CallRequest { From = key.Address, Data = init }) * 2;
        BigInteger gasPrice = await Rpc.GetGasPriceAsync();
        Transaction tx = legacy
            ? new LegacyTransaction { ChainId = chainId, Nonce = nonce, GasPrice = gasPrice * 2, GasLimit = gas, Data = init }
            : new Eip1559Transaction { ChainId = chainId, Nonce = nonce, MaxPriorityFeePerGas = 1_000_000_000, MaxFeePerGas = gasPrice * 3 + 1_000_000_000, GasLimit = gas, Data = init };
        TransactionReceipt receipt = await SendAsync(key, tx);
        Assert.Equal(legacy ? 0 : 2, receipt.Type);
        Assert.Equal(key.Address, receipt.From);
        return receipt.ContractAddress ?? throw new InvalidOperationException("no contract address");
    }

    private async Task<TransactionReceipt> SetAsync(Secp256k1PrivateKey key, Address contract, BigInteger v, string note)
    {
        byte[] data = _anvil.StoreAbi.GetFunction("set").EncodeCall(v, note);
        ulong nonce = await Rpc.GetTransactionCountAsync(key.Address, BlockParameter.Pending);
        return await SendAsync(key, new Eip1559Transaction
        {
            ChainId = 31337,
            Nonce = nonce,
            To = contract,
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = 100_000_000_000,
            GasLimit = await Rpc.EstimateGasAsync(new CallRequest { From = key.Address, To = contract, Data = data }) * 2,
            Data = data,
        });
    }

    private async Task<BigInteger> GetAsync(Address contract, BlockParameter block)
    {
        AbiFunction get = _anvil.StoreAbi.GetFunction("get");
        byte[] result = await Rpc.CallAsync(new CallRequest { To = contract, Data = get.EncodeCall() }, block);
        return (BigInteger)get.DecodeOutput(result)[0]!;
    }

    [Fact]
    public async Task Chain_id_block_number_balance_and_nonce_are_read()
    {
        using var key = Secp256k1PrivateKey.Import(Hex.Decode(AnvilFixture.DefaultKey));
        Assert.Equal(31337UL, await Rpc.GetChainIdAsync());
        ulong number = await Rpc.GetBlockNumberAsync();
        Assert.True(await Rpc.GetBalanceAsync(key.Address, BlockParameter.Latest) > 0);
        Assert.True(await Rpc.GetTransactionCountAsync(key.Address, number) >= 0);
        Assert.Null(await Rpc.GetBlockByNumberAsync(number + 1000));
        await Assert.ThrowsAsync<EthereumRpcException>(() => Rpc.SendAsync("no_such_method", []));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Contract_compiled_with_solc_deploys_with_our_signed_transaction_and_answers_calls(bool legacy)
    {
        using var key = Secp256k1PrivateKey.Import(Hex.Decode(AnvilFixture.DefaultKey));
        Address contract = await DeployAsync(key, legacy, 41);
        Assert.Equal(new BigInteger(41), await GetAsync(contract, BlockParameter.Latest));
    }

    [Fact]
    public async Task Events_are_decoded_from_receipts_and_getLogs()
    {
        using var key = Secp256k1PrivateKey.Import(Hex.Decode(AnvilFixture.DefaultKey));
        Address contract = await DeployAsync(key, legacy: false, 7);
        TransactionReceipt receipt = await SetAsync(key, contract, 1234, "héllo, anvil");

        AbiEvent changed = _anvil.StoreAbi.GetEvent("ValueChanged");
        IReadOnlyList<LogEntry> logs = await Rpc.GetLogsAsync(new LogFilter
        {
            FromBlock = receipt.BlockNumber,
            ToBlock = receipt.BlockNumber,
            Addresses = [contract],
            Topics = [changed.Topic],
        });
        LogEntry log = Assert.Single(logs);
        Assert.Equal(receipt.TransactionHash, log.TransactionHash);
        Assert.Same(changed, _anvil.StoreAbi.FindEvent(log.Topics[0]));
        object?[] values = changed.DecodeLog(log.Topics, log.Data.Span);
        Assert.Equal(key.Address, values[0]);
        Assert.Equal(new BigInteger(7), values[1]);
        Assert.Equal(new BigInteger(1234), values[2]);
        Assert.Equal("héllo, anvil", values[3]);
        Assert.Equal(log.Data.ToArray(), Assert.Single(receipt.Logs).Data.ToArray());
        Assert.Equal(new BigInteger(1234), await GetAsync(contract, receipt.BlockNumber));
    }

    [Fact]
    public async Task Storage_change_is_proven_by_eth_getProof_against_the_block_state_root_and_tampering_fails()
    {
        using var key = Secp256k1PrivateKey.Import(Hex.Decode(AnvilFixture.DefaultKey));
        Address contract = await DeployAsync(key, legacy: true, 5);
        TransactionReceipt receipt = await SetAsync(key, contract, 0xBEEF, "slot change");
        RpcBlock block = (await Rpc.GetBlockByNumberAsync(receipt.BlockNumber))!;

        Hash32 slot0 = new(new byte[32]);
        byte[] mappingKey = new byte[64];
        key.Address.Bytes.CopyTo(mappingKey.AsSpan(12));
        mappingKey[63] = 1;
        Hash32 balanceSlot = Keccak256.Hash(mappingKey);      // balances[sender] lives at keccak(pad(sender) . pad(1))
        var emptySlot = new Hash32(Enumerable.Repeat((byte)0x77, 32).ToArray());

        AccountProof proof = await Rpc.GetProofAsync(contract, [slot0, balanceSlot, emptySlot], receipt.BlockNumber);
        Assert.True(proof.VerifyAccount(block.Header.StateRoot));
        Assert.True(proof.Verify(block.Header.StateRoot));
        Assert.Equal(new BigInteger(0xBEEF), proof.StorageProofs[0].Value);
        Assert.Equal(new BigInteger(0xBEEF), proof.StorageProofs[1].Value);
        Assert.Equal(BigInteger.Zero, proof.StorageProofs[2].Value);
        Assert.Equal(await Rpc.GetStorageAtAsync(contract, slot0, receipt.BlockNumber), AbiCodec.EncodeTopic(AbiType.Parse("uint256"), proof.StorageProofs[0].Value));

        // The previous block's state root holds the old value: the new proof does not verify against it.
        RpcBlock previous = (await Rpc.GetBlockByNumberAsync(receipt.BlockNumber - 1))!;
        Assert.False(proof.VerifyAccount(previous.Header.StateRoot));

        // Tampered proofs fail: a flipped byte in a node, a wrong claimed value, a wrong balance.
        byte[][] nodes = proof.Proof.Select(n => (byte[])n.Clone()).ToArray();
        nodes[^1][nodes[^1].Length / 2] ^= 0x01;
        Assert.False(new AccountProof(proof.Address, proof.Nonce, proof.Balance, proof.StorageHash, proof.CodeHash, nodes, proof.StorageProofs).VerifyAccount(block.Header.StateRoot));
        Assert.False(new AccountProof(proof.Address, proof.Nonce, proof.Balance + 1, proof.StorageHash, proof.CodeHash, proof.Proof, []).VerifyAccount(block.Header.StateRoot));
        StorageProof s = proof.StorageProofs[0];
        Assert.False(new StorageProof(s.Key, s.Value + 1, s.Proof).Verify(proof.StorageHash));
        Assert.False(new StorageProof(s.Key, BigInteger.Zero, s.Proof).Verify(proof.StorageHash));
        byte[][] storageNodes = s.Proof.Select(n => (byte[])n.Clone()).ToArray();
        storageNodes[0][5] ^= 0x80;
        Assert.False(new StorageProof(s.Key, s.Value, storageNodes).Verify(proof.StorageHash));

        // An account that does not exist is proven absent.
        var nobody = new Address(Enumerable.Repeat((byte)0xab, 20).ToArray());
        AccountProof absent = await Rpc.GetProofAsync(nobody, [], receipt.BlockNumber);
        Assert.True(absent.Verify(block.Header.StateRoot));
        Assert.False(new AccountProof(nobody, 0, 1, absent.StorageHash, absent.CodeHash, absent.Proof, []).Verify(block.Header.StateRoot));
    }

    [Fact]
    public async Task Header_encoded_from_getBlockByNumber_hashes_to_the_block_hash()
    {
        using var key = Secp256k1PrivateKey.Import(Hex.Decode(AnvilFixture.DefaultKey));
        Address contract = await DeployAsync(key, legacy: false, 1);
        TransactionReceipt receipt = await SetAsync(key, contract, 2, "header");
        foreach (BlockParameter which in new[] { BlockParameter.Earliest, receipt.BlockNumber, BlockParameter.Latest })
        {
            RpcBlock block = (await Rpc.GetBlockByNumberAsync(which))!;
            byte[] rlp = block.Header.Encode();
            Assert.Equal(block.Hash, Keccak256.Hash(rlp));
            Assert.Equal(block.Hash, BlockHeader.Decode(rlp).GetHash());
        }

        RpcBlock withTx = (await Rpc.GetBlockByNumberAsync(receipt.BlockNumber))!;
        Assert.Contains(receipt.TransactionHash, withTx.TransactionHashes);
        Assert.NotNull(withTx.Header.BaseFeePerGas);
    }

    [Fact]
    public async Task NewHeads_subscription_delivers_mined_blocks_whose_headers_hash_correctly()
    {
        await using NewHeadsSubscription subscription = await NewHeadsSubscription.ConnectAsync(_anvil.WebSocketEndpoint);
        Assert.False(string.IsNullOrEmpty(subscription.SubscriptionId));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Rpc.SendAsync("evm_mine", [], timeout.Token);
        ulong latest = await Rpc.GetBlockNumberAsync(timeout.Token);
        await foreach (RpcBlock head in subscription.ReadAllAsync(timeout.Token))
        {
            Assert.Equal(head.Hash, head.Header.GetHash());
            if (head.Header.Number == latest)
            {
                break;
            }
        }
    }
}
