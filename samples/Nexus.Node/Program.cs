using Nexus.Node;

return NexusCli.Run(args, Console.Out, Console.Error);
