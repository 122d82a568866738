using System.Text.Json;
using System.Text.Json.Serialization;
using Nexus.Crypto;

namespace Nexus.Chain;

/// <summary>
/// The genesis document: chain id, time, initial accounts and validators, and
/// <see cref="ChainParameters"/>. JSON form (keys as 64 hex digits): see <see cref="ToJson"/>.
/// </summary>
public sealed class Genesis
{
    /// <summary>Chain id, 1–64 UTF-8 bytes.</summary>
    public required string ChainId { get; init; }

    /// <summary>Genesis time, Unix ms; block 1 must be later.</summary>
    public required long TimeUnixMs { get; init; }

    /// <summary>Initial balances (nonce 0), μNXS; the sum must fit in 64 bits.</summary>
    public required IReadOnlyList<KeyValuePair<Ed25519PublicKey, ulong>> Accounts { get; init; }

    /// <summary>Initial validator set.</summary>
    public required IReadOnlyList<Validator> Validators { get; init; }

    /// <summary>Chain parameters.</summary>
    public required ChainParameters Parameters { get; init; }

    /// <summary>Builds the height-0 state.</summary>
    /// <returns>The genesis state.</returns>
    /// <exception cref="ArgumentException">Invalid validators, duplicate accounts, or a total supply above 2^64 − 1.</exception>
    public ChainState CreateState()
    {
        ulong supply = 0;
        var seen = new HashSet<Ed25519PublicKey>();
        foreach (var (key, balance) in Accounts)
        {
            if (!seen.Add(key) || balance > ulong.MaxValue - supply)
            {
                throw new ArgumentException("Genesis accounts must be distinct and the supply must fit in 64 bits.");
            }

            supply += balance;
        }

        if (Parameters.SlashPercent > 100)
        {
            throw new ArgumentException("SlashPercent is 0-100.");
        }

        var tree = StateTree.Empty.With(Accounts.Select(a => KeyValuePair.Create(a.Key, new Account(a.Value, 0))));
        return new ChainState(ChainId, Parameters, 0, Hash256.Zero, TimeUnixMs, tree, new ValidatorSet(Validators), null);
    }

    /// <summary>
    /// Serializes to JSON: { "chainId", "timeUnixMs", "accounts": [{ "address": hex, "balance" }],
    /// "validators": [{ "publicKey": hex, "power" }], "authority": hex, "minFee", "slashPercent", "maxEvidenceAge" }.
    /// </summary>
    /// <returns>Indented JSON.</returns>
    public string ToJson() => JsonSerializer.Serialize(
        new GenesisJson(
            ChainId,
            TimeUnixMs,
            Accounts.Select(a => new AccountJson(a.Key.ToString(), a.Value)).ToArray(),
            Validators.Select(v => new ValidatorJson(v.PublicKey.ToString(), v.Power)).ToArray(),
            Parameters.Authority.ToString(),
            Parameters.MinFee,
            Parameters.SlashPercent,
            Parameters.MaxEvidenceAge),
        GenesisJsonContext.Default.GenesisJson);

    /// <summary>Parses the JSON written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The document.</param>
    /// <returns>The genesis.</returns>
    /// <exception cref="FormatException">Malformed JSON or keys.</exception>
    public static Genesis FromJson(string json)
    {
        try
        {
            var g = JsonSerializer.Deserialize(json, GenesisJsonContext.Default.GenesisJson) ?? throw new FormatException("empty genesis");
            return new Genesis
            {
                ChainId = g.ChainId,
                TimeUnixMs = g.TimeUnixMs,
                Accounts = g.Accounts.Select(a => KeyValuePair.Create(Ed25519PublicKey.Parse(a.Address), a.Balance)).ToArray(),
                Validators = g.Validators.Select(v => new Validator(Ed25519PublicKey.Parse(v.PublicKey), v.Power)).ToArray(),
                Parameters = new ChainParameters(Ed25519PublicKey.Parse(g.Authority), g.MinFee, g.SlashPercent, g.MaxEvidenceAge),
            };
        }
        catch (JsonException ex)
        {
            throw new FormatException("Malformed genesis JSON: " + ex.Message, ex);
        }
    }

    internal sealed record AccountJson(string Address, ulong Balance);

    internal sealed record ValidatorJson(string PublicKey, ulong Power);

    internal sealed record GenesisJson(string ChainId, long TimeUnixMs, AccountJson[] Accounts, ValidatorJson[] Validators, string Authority, ulong MinFee, uint SlashPercent, ulong MaxEvidenceAge);
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(Genesis.GenesisJson))]
internal sealed partial class GenesisJsonContext : JsonSerializerContext;
