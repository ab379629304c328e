using Flotilla.Cli;

return await FlotillaCli.RunAsync(args, Console.Out, Console.Error, Directory.GetCurrentDirectory());
