using BenchmarkDotNet.Running;

// Run all:      dotnet run -c Release --project benchmarks/Nexus.Benchmarks -- --filter '*'
// Run a class:  dotnet run -c Release --project benchmarks/Nexus.Benchmarks -- --filter '*Blake3*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
