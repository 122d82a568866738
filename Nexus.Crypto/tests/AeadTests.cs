namespace Nexus.Crypto.Tests;

public class AeadTests
{
    [Fact]
    public void Rfc8439_vectors_encrypt_and_decrypt_exactly()
    {
        using var doc = TestVectors.Json("crypto/chacha20poly1305.json");
        foreach (var v in doc.RootElement.GetProperty("vectors").EnumerateArray())
        {
            byte[] Hex(string name) => Convert.FromHexString(v.GetProperty(name).GetString()!);
            using var key = ChaCha20Poly1305Key.Import(Hex("key"));
            var sealedBox = key.Encrypt(Hex("nonce"), Hex("aad"), Hex("plaintext"));
            Assert.Equal(v.GetProperty("ciphertext_and_tag").GetString(), Convert.ToHexStringLower(sealedBox));

            var plaintext = new byte[sealedBox.Length - ChaCha20Poly1305Key.TagSizeInBytes];
            Assert.True(key.TryDecrypt(Hex("nonce"), Hex("aad"), Hex("ciphertext_and_tag"), plaintext));
            Assert.Equal(Hex("plaintext"), plaintext);
        }
    }

    [Fact]
    public void Decrypt_rejects_a_tampered_ciphertext_tag_or_associated_data_and_writes_nothing()
    {
        using var key = ChaCha20Poly1305Key.Generate();
        var nonce = new byte[12];
        var box = key.Encrypt(nonce, "ad"u8, "secret message"u8);
        var plaintext = new byte[box.Length - 16];
        for (int i = 0; i < box.Length; i++)
        {
            box[i] ^= 0x01;
            Assert.False(key.TryDecrypt(nonce, "ad"u8, box, plaintext));
            Assert.All(plaintext, b => Assert.Equal(0, b));
            box[i] ^= 0x01;
        }

        Assert.False(key.TryDecrypt(nonce, "AD"u8, box, plaintext));
        Assert.False(key.TryDecrypt(nonce, "ad"u8, box.AsSpan(0, 15), []));
        Assert.False(key.TryDecrypt(nonce, "ad"u8, box, new byte[plaintext.Length + 1]));
        Assert.True(key.TryDecrypt(nonce, "ad"u8, box, plaintext));
        Assert.Equal("secret message"u8.ToArray(), plaintext);
        Assert.Throws<ArgumentException>(() => key.Encrypt(new byte[8], default, "x"u8));
        Assert.Throws<ArgumentException>(() => ChaCha20Poly1305Key.Import(new byte[16]));
    }
}
