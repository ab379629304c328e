using Flotilla.Bench;

return await BenchCommand.RunAsync(args);
