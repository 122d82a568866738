using System.Numerics;
using CsCheck;
using Nexus.Bridges.Evm;

namespace Nexus.Bridges.Tests;

public class SigningTests
{
    // EIP-155 "Example": private key 0x4646...46, chain id 1.
    private static readonly byte[] Eip155Key = Enumerable.Repeat((byte)0x46, 32).ToArray();

    private static LegacyTransaction Eip155Example() => new()
    {
        ChainId = 1,
        Nonce = 9,
        GasPrice = 20_000_000_000,
        GasLimit = 21000,
        To = Address.Parse("0x3535353535353535353535353535353535353535"),
        Value = BigInteger.Parse("1000000000000000000", System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public void Eip155_example_signing_data_hash_signature_and_raw_transaction()
    {
        LegacyTransaction tx = Eip155Example();
        Assert.Equal("0xec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a764000080018080", Hex.Encode(tx.EncodeForSigning()));
        Assert.Equal("0xdaf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53", tx.GetSigningHash().ToString());

        using var key = Secp256k1PrivateKey.Import(Eip155Key);
        var signed = (LegacyTransaction)tx.Sign(key);
        Assert.Equal(37, signed.V);
        Assert.Equal(BigInteger.Parse("18515461264373351373200002665853028612451056578545711640558177340181847433846", System.Globalization.CultureInfo.InvariantCulture), signed.Signature!.Value.R);
        Assert.Equal(BigInteger.Parse("46948507304638947509940763649030358759909902576025900602547168820602576006531", System.Globalization.CultureInfo.InvariantCulture), signed.Signature!.Value.S);
        const string raw = "0xf86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a76400008025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83";
        Assert.Equal(raw, Hex.Encode(signed.Encode()));

        var decoded = (LegacyTransaction)Transaction.Decode(Hex.Decode(raw));
        Assert.Equal(1UL, decoded.ChainId);
        Assert.Equal(9UL, decoded.Nonce);
        Assert.Equal(tx.To, decoded.To);
        Assert.Equal(key.Address, decoded.RecoverSender());
        Assert.Equal(Hex.Decode(raw), decoded.Encode());
    }

    [Theory]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    [InlineData("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")]
    [InlineData("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb")]
    public void Eip55_examples_round_trip_and_a_wrong_case_is_rejected(string checksummed)
    {
        Address address = Address.Parse(checksummed);
        Assert.Equal(checksummed, address.ToString());
        Assert.Equal(address, Address.Parse(checksummed.ToLowerInvariant()));
        Assert.Equal(address, Address.Parse("0x" + checksummed[2..].ToUpperInvariant()));
        // Swap the case of one letter: the checksum no longer matches.
        int i = checksummed.IndexOfAny("abcdefABCDEF".ToCharArray(), 2);
        char c = checksummed[i];
        string broken = checksummed[..i] + (char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)) + checksummed[(i + 1)..];
        Assert.False(Address.TryParse(broken, out _));
        Assert.Throws<EvmFormatException>(() => Address.Parse(broken));
    }

    [Fact]
    public void Anvil_default_key_derives_its_well_known_address()
    {
        using var key = Secp256k1PrivateKey.Import(Hex.Decode("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"));
        Assert.Equal("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", key.Address.ToString());
    }

    [Fact]
    public void Eip1559_transaction_signs_encodes_decodes_and_recovers()
    {
        using var key = Secp256k1PrivateKey.Import(Eip155Key);
        var tx = new Eip1559Transaction
        {
            ChainId = 31337,
            Nonce = 3,
            MaxPriorityFeePerGas = 1_000_000_000,
            MaxFeePerGas = 30_000_000_000,
            GasLimit = 100_000,
            To = Address.Parse("0x3535353535353535353535353535353535353535"),
            Value = 12345,
            Data = new byte[] { 0xde, 0xad, 0xbe, 0xef },
            AccessList = [new AccessListEntry(Address.Parse("0x3535353535353535353535353535353535353535"), [Hash32.EmptyKeccak])],
        };
        var signed = (Eip1559Transaction)tx.Sign(key);
        byte[] raw = signed.Encode();
        Assert.Equal(0x02, raw[0]);
        var decoded = (Eip1559Transaction)Transaction.Decode(raw);
        Assert.Equal(raw, decoded.Encode());
        Assert.Equal(key.Address, decoded.RecoverSender());
        Assert.Equal(signed.GetHash(), decoded.GetHash());
        Assert.Single(decoded.AccessList);
        Assert.Equal(Hash32.EmptyKeccak, decoded.AccessList[0].StorageKeys[0]);
        Assert.True(decoded.Signature!.Value.IsLowS);
    }

    [Fact]
    public void Sign_then_recover_returns_the_signer_for_random_keys_and_messages()
    {
        Gen.Select(Gen.Byte.Array[32], Gen.Byte.Array[32]).Sample((secret, message) =>
        {
            var d = new BigInteger(secret, isUnsigned: true, isBigEndian: true);
            if (d.IsZero || d >= Secp256k1.N)
            {
                return;
            }

            using var key = Secp256k1PrivateKey.Import(secret);
            EcdsaSignature signature = key.Sign(message);
            Assert.True(signature.IsLowS);
            Assert.Equal(key.Address, Secp256k1.Ecrecover(message, signature));
            Assert.Equal(signature, EcdsaSignature.FromRsv(signature.ToRsv()));
            // Another message recovers another address.
            message[0] ^= 1;
            Assert.NotEqual(key.Address, Secp256k1.Ecrecover(message, signature));
        }, iter: 100);
    }

    [Fact]
    public void Out_of_range_signatures_do_not_recover()
    {
        byte[] hash = new byte[32];
        Assert.Null(Secp256k1.Ecrecover(hash, new EcdsaSignature(0, 1, 0)));
        Assert.Null(Secp256k1.Ecrecover(hash, new EcdsaSignature(1, Secp256k1.N, 0)));
        // x = 5 is not on the curve (5^3 + 7 = 132 is a non-residue mod p): no point R.
        Assert.Null(Secp256k1.Ecrecover(hash, new EcdsaSignature(5, 1, 0)));
        Assert.Throws<ArgumentException>(() => Secp256k1PrivateKey.Import(new byte[32]));
    }

    [Fact]
    public void Malformed_transactions_throw_only_the_format_exception()
    {
        Assert.Throws<EvmFormatException>(() => Transaction.Decode([]));
        Assert.Throws<EvmFormatException>(() => Transaction.Decode([0x01, 0xc0]));
        Assert.Throws<EvmFormatException>(() => Transaction.Decode([0x02, 0xc0]));
        Assert.Throws<EvmFormatException>(() => Transaction.Decode([0xc1, 0x80]));
    }
}
