using System.CommandLine;
using Nexus.Crypto;

namespace Nexus.Node;

/// <summary>The <c>nexus</c> command line: parses arguments and runs one command.</summary>
internal static class NexusCli
{

    /// <summary>Exit code for success.</summary>
    public const int Ok = 0;

    /// <summary>Exit code for a failure the user can fix (bad arguments, a file in the way, a corrupt file).</summary>
    public const int Failed = 1;

    /// <summary>The default data directory (<see cref="Nexus.Hosting.NodeOptions.DefaultDataDirectory"/>).</summary>
    public static string DefaultHome => Nexus.Hosting.NodeOptions.DefaultDataDirectory;

    /// <summary>Runs the CLI with the given arguments, writing to the given streams.</summary>
    /// <returns>The process exit code.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = BuildRoot(output, error);
        var config = new InvocationConfiguration { Output = output, Error = error };
        return root.Parse(args).Invoke(config);
    }

    private static RootCommand BuildRoot(TextWriter output, TextWriter error)
    {
        var root = new RootCommand("nexus: the Nexus reference node and tools.");
        root.Subcommands.Add(KeygenCommand(output, error));
        root.Subcommands.Add(IdentityCommand(output, error));
        root.Subcommands.Add(NodeCommands.Node(output, error));
        root.Subcommands.Add(NodeCommands.Status(output, error));
        root.Subcommands.Add(NodeCommands.Peer(output, error));
        root.Subcommands.Add(DevnetCommand.Create(output, error));
        foreach (var command in ChainCommands.Create(output, error)) root.Subcommands.Add(command);
        return root;
    }

    private static Command KeygenCommand(TextWriter output, TextWriter error)
    {
        var file = new Option<FileInfo>("--output", "-o")
        {
            Description = "Where to write the identity file (default: identity in $NEXUS_HOME, else in nexus under the user's local data folder).",
        };
        var force = new Option<bool>("--force", "-f") { Description = "Replace an existing identity file (the old identity is lost)." };
        var command = new Command("keygen", "Create a new node identity (X25519 + Ed25519), store it with mode 0600 and print its public keys and hash.")
        {
            file,
            force,
        };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)?.FullName ?? Path.Combine(DefaultHome, "identity");
            try
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var identity = NodeIdentity.Generate();
                IdentityFile.Save(identity, path, overwrite: parse.GetValue(force));
                output.WriteLine($"Created identity {identity} in {path}");
                PrintPublic(identity, output);
                return Ok;
            }
            catch (IOException e)
            {
                error.WriteLine($"nexus keygen: {e.Message} Use --force to replace it, or --output for another file.");
                return Failed;
            }
            catch (UnauthorizedAccessException e)
            {
                error.WriteLine($"nexus keygen: {e.Message}");
                return Failed;
            }
        });
        return command;
    }

    private static Command IdentityCommand(TextWriter output, TextWriter error)
    {
        var file = new Option<FileInfo>("--file", "-i")
        {
            Description = "The identity file to read (default: identity in $NEXUS_HOME, else in nexus under the user's local data folder). Nexus and bare 64-byte RNS identity files are read.",
        };
        var command = new Command("identity", "Print the public keys and hash of an existing identity file (never its private keys).") { file };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(file)?.FullName ?? Path.Combine(DefaultHome, "identity");
            try
            {
                using var identity = IdentityFile.Load(path);
                PrintPublic(identity, output);
                return Ok;
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                error.WriteLine($"nexus identity: {e.Message}");
                return Failed;
            }
        });
        return command;
    }

    private static void PrintPublic(NodeIdentity identity, TextWriter output)
    {
        output.WriteLine($"identity hash:      {identity}");
        output.WriteLine($"x25519 public key:  {identity.EncryptionKey.PublicKey}");
        output.WriteLine($"ed25519 public key: {identity.SigningKey.PublicKey}");
        output.WriteLine($"public key:         {Convert.ToHexStringLower(identity.PublicKey)}");
    }
}
