using System.Text;
using System.Text.Json;

namespace Nexus.Bridges.Evm;

/// <summary>One named parameter of a function, event or constructor in a JSON ABI.</summary>
public sealed class AbiParameter
{
    /// <summary>Creates a parameter.</summary>
    /// <param name="name">The name (may be empty).</param>
    /// <param name="type">The type.</param>
    /// <param name="indexed">For event parameters: whether it is stored in a topic.</param>
    public AbiParameter(string name, AbiType type, bool indexed = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(type);
        Name = name;
        Type = type;
        Indexed = indexed;
    }

    /// <summary>The parameter name ("" when unnamed).</summary>
    public string Name { get; }

    /// <summary>The ABI type.</summary>
    public AbiType Type { get; }

    /// <summary>Whether an event parameter is indexed (stored in a topic rather than in the data).</summary>
    public bool Indexed { get; }
}

/// <summary>A function of a contract ABI: its signature, 4-byte selector and call/return codecs.</summary>
public sealed class AbiFunction
{
    /// <summary>Creates a function description.</summary>
    /// <param name="name">The function name.</param>
    /// <param name="inputs">The parameters.</param>
    /// <param name="outputs">The return values.</param>
    /// <param name="stateMutability">"pure", "view", "nonpayable" or "payable".</param>
    public AbiFunction(string name, IReadOnlyList<AbiParameter> inputs, IReadOnlyList<AbiParameter> outputs, string stateMutability = "nonpayable")
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(outputs);
        Name = name;
        Inputs = inputs.ToArray();
        Outputs = outputs.ToArray();
        StateMutability = stateMutability;
        Signature = name + "(" + string.Join(',', Inputs.Select(p => p.Type.CanonicalName)) + ")";
        Selector = Keccak256.Hash(Encoding.ASCII.GetBytes(Signature)).Bytes.Slice(0, 4).ToArray();
    }

    /// <summary>The function name.</summary>
    public string Name { get; }

    /// <summary>The parameters.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }

    /// <summary>The return values.</summary>
    public IReadOnlyList<AbiParameter> Outputs { get; }

    /// <summary>"pure", "view", "nonpayable" or "payable".</summary>
    public string StateMutability { get; }

    /// <summary>The canonical signature, e.g. "transfer(address,uint256)".</summary>
    public string Signature { get; }

    /// <summary>The 4-byte selector: the first 4 bytes of Keccak-256(<see cref="Signature"/>).</summary>
    public ReadOnlyMemory<byte> Selector { get; }

    /// <summary>Builds call data: selector || ABI encoding of <paramref name="arguments"/>.</summary>
    /// <param name="arguments">One value per input (see <see cref="AbiTypeKind"/>).</param>
    /// <returns>The call data.</returns>
    /// <exception cref="ArgumentException">See <see cref="AbiCodec.Encode"/>.</exception>
    public byte[] EncodeCall(params object?[] arguments)
    {
        byte[] body = AbiCodec.Encode(Inputs.Select(p => p.Type).ToArray(), arguments);
        var data = new byte[4 + body.Length];
        Selector.Span.CopyTo(data);
        body.CopyTo(data, 4);
        return data;
    }

    /// <summary>Decodes return data (e.g. the result of eth_call).</summary>
    /// <param name="returnData">The ABI-encoded outputs.</param>
    /// <returns>One value per output.</returns>
    /// <exception cref="EvmFormatException">See <see cref="AbiCodec.Decode"/>.</exception>
    public object?[] DecodeOutput(ReadOnlySpan<byte> returnData) => AbiCodec.Decode(Outputs.Select(p => p.Type).ToArray(), returnData);

    /// <summary>Decodes call data (selector + arguments).</summary>
    /// <param name="callData">The call data.</param>
    /// <returns>One value per input.</returns>
    /// <exception cref="EvmFormatException">Shorter than 4 bytes, another selector, or malformed arguments.</exception>
    public object?[] DecodeCall(ReadOnlySpan<byte> callData)
    {
        if (callData.Length < 4 || !callData.Slice(0, 4).SequenceEqual(Selector.Span))
        {
            throw new EvmFormatException($"ABI: call data does not start with the selector of {Signature}.");
        }

        return AbiCodec.Decode(Inputs.Select(p => p.Type).ToArray(), callData.Slice(4));
    }
}

/// <summary>An event of a contract ABI: its signature, topic 0 and log decoder (Solidity ABI specification, "Events").</summary>
public sealed class AbiEvent
{
    /// <summary>Creates an event description.</summary>
    /// <param name="name">The event name.</param>
    /// <param name="inputs">The parameters (with their indexed flags).</param>
    /// <param name="anonymous">true when the event has no signature topic.</param>
    public AbiEvent(string name, IReadOnlyList<AbiParameter> inputs, bool anonymous = false)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(inputs);
        Name = name;
        Inputs = inputs.ToArray();
        Anonymous = anonymous;
        Signature = name + "(" + string.Join(',', Inputs.Select(p => p.Type.CanonicalName)) + ")";
        Topic = Keccak256.Hash(Encoding.ASCII.GetBytes(Signature));
    }

    /// <summary>The event name.</summary>
    public string Name { get; }

    /// <summary>The parameters.</summary>
    public IReadOnlyList<AbiParameter> Inputs { get; }

    /// <summary>Whether the event is anonymous (no topic 0).</summary>
    public bool Anonymous { get; }

    /// <summary>The canonical signature, e.g. "Transfer(address,address,uint256)".</summary>
    public string Signature { get; }

    /// <summary>Topic 0 of the event's logs: Keccak-256(<see cref="Signature"/>).</summary>
    public Hash32 Topic { get; }

    /// <summary>
    /// Decodes a log of this event: indexed parameters from topics 1.. (a static value is decoded from its 32-byte word;
    /// a dynamic one — string, bytes, array, tuple — is only available as its Keccak-256 hash, returned as <see cref="Hash32"/>),
    /// the others ABI-decoded from the data.
    /// </summary>
    /// <param name="topics">The log's topics (topic 0 first unless anonymous).</param>
    /// <param name="data">The log's data.</param>
    /// <returns>One value per input, in declaration order.</returns>
    /// <exception cref="EvmFormatException">Topic 0 is not <see cref="Topic"/>, the topic count is wrong, or a value is malformed.</exception>
    public object?[] DecodeLog(IReadOnlyList<Hash32> topics, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(topics);
        int first = Anonymous ? 0 : 1;
        int indexed = Inputs.Count(p => p.Indexed);
        if (topics.Count != first + indexed || (!Anonymous && topics[0] != Topic))
        {
            throw new EvmFormatException($"ABI: the log is not a {Signature} event.");
        }

        var nonIndexed = Inputs.Where(p => !p.Indexed).Select(p => p.Type).ToArray();
        object?[] dataValues = AbiCodec.Decode(nonIndexed, data);
        var result = new object?[Inputs.Count];
        int topic = first;
        int d = 0;
        for (int i = 0; i < Inputs.Count; i++)
        {
            AbiParameter p = Inputs[i];
            if (!p.Indexed)
            {
                result[i] = dataValues[d++];
            }
            else if (p.Type.IsDynamic || p.Type.Kind is AbiTypeKind.Array or AbiTypeKind.Tuple)
            {
                result[i] = topics[topic++];
            }
            else
            {
                result[i] = AbiCodec.Decode([p.Type], topics[topic++].Bytes)[0];
            }
        }

        return result;
    }
}

/// <summary>
/// A contract's JSON ABI (the Solidity compiler's "abi" output, Solidity ABI specification "JSON"): its functions,
/// events and constructor.
/// </summary>
public sealed class ContractAbi
{
    private ContractAbi(IReadOnlyList<AbiFunction> functions, IReadOnlyList<AbiEvent> events, IReadOnlyList<AbiParameter> constructorInputs)
    {
        Functions = functions;
        Events = events;
        ConstructorInputs = constructorInputs;
    }

    /// <summary>The functions, in JSON order (overloads share a name).</summary>
    public IReadOnlyList<AbiFunction> Functions { get; }

    /// <summary>The events, in JSON order.</summary>
    public IReadOnlyList<AbiEvent> Events { get; }

    /// <summary>The constructor's parameters (empty when there is no constructor entry).</summary>
    public IReadOnlyList<AbiParameter> ConstructorInputs { get; }

    /// <summary>The first function named <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The function.</returns>
    /// <exception cref="KeyNotFoundException">No function has that name.</exception>
    public AbiFunction GetFunction(string name) =>
        Functions.FirstOrDefault(f => f.Name == name) ?? throw new KeyNotFoundException($"No function '{name}'.");

    /// <summary>The first event named <paramref name="name"/>.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The event.</returns>
    /// <exception cref="KeyNotFoundException">No event has that name.</exception>
    public AbiEvent GetEvent(string name) =>
        Events.FirstOrDefault(e => e.Name == name) ?? throw new KeyNotFoundException($"No event '{name}'.");

    /// <summary>The event whose topic 0 is <paramref name="topic0"/>, or null.</summary>
    /// <param name="topic0">A log's first topic.</param>
    /// <returns>The event or null.</returns>
    public AbiEvent? FindEvent(Hash32 topic0) => Events.FirstOrDefault(e => !e.Anonymous && e.Topic == topic0);

    /// <summary>Encodes constructor arguments (appended to the init code in a deployment).</summary>
    /// <param name="arguments">One value per constructor parameter.</param>
    /// <returns>The ABI encoding.</returns>
    /// <exception cref="ArgumentException">See <see cref="AbiCodec.Encode"/>.</exception>
    public byte[] EncodeConstructorArguments(params object?[] arguments) =>
        AbiCodec.Encode(ConstructorInputs.Select(p => p.Type).ToArray(), arguments);

    /// <summary>Parses a JSON ABI: an array of entries with "type" ("function", "event", "constructor"; "error",
    /// "fallback" and "receive" are accepted and skipped), "name", "inputs"/"outputs" (each with "name", "type",
    /// "components" for tuples, "indexed" for events), "stateMutability" and "anonymous".</summary>
    /// <param name="json">The JSON text.</param>
    /// <returns>The ABI.</returns>
    /// <exception cref="EvmFormatException">The JSON is malformed or an entry or type is invalid.</exception>
    public static ContractAbi Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new EvmFormatException("ABI JSON: the root must be an array.");
            }

            var functions = new List<AbiFunction>();
            var events = new List<AbiEvent>();
            IReadOnlyList<AbiParameter> constructor = [];
            foreach (JsonElement entry in document.RootElement.EnumerateArray())
            {
                string type = entry.TryGetProperty("type", out JsonElement t) ? t.GetString() ?? "function" : "function";
                switch (type)
                {
                    case "function":
                        functions.Add(new AbiFunction(
                            Name(entry),
                            Parameters(entry, "inputs"),
                            Parameters(entry, "outputs"),
                            entry.TryGetProperty("stateMutability", out JsonElement m) ? m.GetString() ?? "nonpayable" : "nonpayable"));
                        break;
                    case "event":
                        events.Add(new AbiEvent(
                            Name(entry),
                            Parameters(entry, "inputs"),
                            entry.TryGetProperty("anonymous", out JsonElement a) && a.GetBoolean()));
                        break;
                    case "constructor":
                        constructor = Parameters(entry, "inputs");
                        break;
                    case "error" or "fallback" or "receive":
                        break;
                    default:
                        throw new EvmFormatException($"ABI JSON: unknown entry type '{type}'.");
                }
            }

            return new ContractAbi(functions, events, constructor);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            throw new EvmFormatException("ABI JSON: " + e.Message, e);
        }
    }

    private static string Name(JsonElement entry) => entry.GetProperty("name").GetString() ?? throw new EvmFormatException("ABI JSON: missing name.");

    private static AbiParameter[] Parameters(JsonElement entry, string property)
    {
        if (!entry.TryGetProperty(property, out JsonElement list))
        {
            return [];
        }

        return list.EnumerateArray().Select(p => new AbiParameter(
            p.TryGetProperty("name", out JsonElement n) ? n.GetString() ?? string.Empty : string.Empty,
            ParameterType(p),
            p.TryGetProperty("indexed", out JsonElement i) && i.GetBoolean())).ToArray();
    }

    private static AbiType ParameterType(JsonElement parameter)
    {
        string type = parameter.GetProperty("type").GetString() ?? throw new EvmFormatException("ABI JSON: missing type.");
        if (!type.StartsWith("tuple", StringComparison.Ordinal))
        {
            return AbiType.Parse(type);
        }

        AbiType tuple = AbiType.Tuple(Parameters(parameter, "components").Select(c => c.Type).ToArray());
        return AbiType.WithArraySuffixes(tuple, type.Substring("tuple".Length));
    }
}
