using System.CommandLine;
using System.Text.Json.Nodes;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Inventory;
using Flotilla.Lab;
using Flotilla.Planning;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla demo</c>: the README's first command. Brings up a lab of examples/homelab, deploys
/// it, changes one host and deploys again, shows a broken version rolled back by its health gate,
/// restores it, prints the fleet's status and leaves the lab up to play with. <c>--down</c> removes it.
/// </summary>
internal static class DemoCommand
{
    private const string ChangedHost = "hsb1";
    private const string BrokenHost = "hsb0";

    public static Command Create(CliContext context)
    {
        var down = new Option<bool>("--down") { Description = "Remove the demo's lab" };
        var name = new Option<string>("--name") { Description = "The lab's name", DefaultValueFactory = _ => "demo" };
        var state = new Option<string>("--state-dir") { Description = "Where labs keep their state", DefaultValueFactory = _ => LabOptions.DefaultStateRoot, HelpName = "DIR" };
        var command = new Command("demo", "Bring up a lab of examples/homelab and show deploys, a rollback and status on it (needs root)") { down, name, state };
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!Environment.IsPrivilegedProcess)
            {
                await context.Error.WriteLineAsync("demo: the lab needs root (network namespaces, mounts, sshd); run it as root: sudo ./flotilla demo").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            var labName = parse.GetValue(name)!;
            var stateRoot = parse.GetValue(state)!;
            try
            {
                if (parse.GetValue(down))
                {
                    await DemoControlPlane.StopAsync(Path.Combine(Path.GetFullPath(stateRoot), labName), cancellationToken).ConfigureAwait(false);
                    await Lab.Lab.DownAsync(labName, stateRoot, cancellationToken).ConfigureAwait(false);
                    await context.Output.WriteLineAsync($"demo: lab {labName} removed").ConfigureAwait(false);
                    return ExitCodes.Success;
                }

                return await RunAsync(context, labName, stateRoot, cancellationToken).ConfigureAwait(false);
            }
            catch (LabException e)
            {
                await context.Error.WriteLineAsync("demo: " + e.Message).ConfigureAwait(false);
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string name, string stateRoot, CancellationToken cancellationToken)
    {
        var example = FindExample(context.WorkingDirectory);
        if (example is null)
        {
            await context.Error.WriteLineAsync("demo: cannot find examples/homelab/flake.nix above the current directory or the flotilla binary; run it from a clone of the repository").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        var source = await InventoryCommands.LoadValidAsync(context, example, cancellationToken).ConfigureAwait(false);
        if (source is null)
        {
            return ExitCodes.InvalidInput;
        }

        var output = context.Output;
        await Say(output, $"1/7 bringing up lab {name}: one host per host of {example}").ConfigureAwait(false);
        var lab = await Lab.Lab.UpAsync(new LabOptions { Name = name, StateRoot = stateRoot, Fleet = source }, cancellationToken).ConfigureAwait(false);
        foreach (var host in lab.Hosts)
        {
            await output.WriteLineAsync($"    {host.Name,-14} {host.Address}").ConfigureAwait(false);
        }

        var inventory = lab.InventoryDirectory;
        // The runs' journals live in the lab's directory (LAB/runs), so --down removes them with it.
        var runs = lab.Directory;
        var deployment = new DeployRequest(Selection.Everything, new DeployOptions { Substituters = "" }, new SchedulerOptions());

        await Say(output, "2/7 deploying the fleet in dependency order (hosts already on their closure are skipped)").ConfigureAwait(false);
        if (await DeployCommand.StartAsync(context, runs, inventory, deployment, json: false, cancellationToken).ConfigureAwait(false) is var first and not ExitCodes.Success)
        {
            return await Failed(context, name, $"the first deploy exited {first}").ConfigureAwait(false);
        }

        await Say(output, $"3/7 changing {ChangedHost}'s configuration (version 2) and deploying again: only {ChangedHost} moves").ConfigureAwait(false);
        await ConfigureAsync(lab.HostConfigurationPath(ChangedHost), version: "2", healthy: true, cancellationToken).ConfigureAwait(false);
        if (await DeployCommand.StartAsync(context, runs, inventory, deployment, json: false, cancellationToken).ConfigureAwait(false) is var second and not ExitCodes.Success)
        {
            return await Failed(context, name, $"the deploy of {ChangedHost}'s version 2 exited {second}").ConfigureAwait(false);
        }

        await Say(output, $"4/7 a broken version of {BrokenHost} (its HTTP services answer 500): its health gate fails and the watchdog rolls it back").ConfigureAwait(false);
        var brokenPath = lab.HostConfigurationPath(BrokenHost);
        var original = await File.ReadAllTextAsync(brokenPath, cancellationToken).ConfigureAwait(false);
        await ConfigureAsync(brokenPath, version: "broken", healthy: false, cancellationToken).ConfigureAwait(false);
        var broken = await DeployCommand.StartAsync(context, runs, inventory, deployment, json: false, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(brokenPath, original, cancellationToken).ConfigureAwait(false);
        if (broken != ExitCodes.Failed)
        {
            return await Failed(context, name, $"the broken deploy exited {broken}, not 1 (failed and rolled back)").ConfigureAwait(false);
        }

        await output.WriteLineAsync($"    as expected: {BrokenHost} failed its health checks and was rolled back to the generation it had; the hosts that depend on it were held back").ConfigureAwait(false);
        await output.WriteLineAsync($"    {BrokenHost}'s healthy configuration is restored in {brokenPath}").ConfigureAwait(false);

        await Say(output, "5/7 the fleet's status").ConfigureAwait(false);
        var fleet = await InventoryCommands.LoadValidAsync(context, inventory, cancellationToken).ConfigureAwait(false);
        if (fleet is null)
        {
            return ExitCodes.InvalidInput;
        }

        var status = await StatusCommand.PrintAsync(context, fleet, fleet.Hosts, new DeployOptions { Substituters = "" }, json: false, cancellationToken).ConfigureAwait(false);
        if (status != ExitCodes.Success)
        {
            return await Failed(context, name, "a host is not current or not healthy").ConfigureAwait(false);
        }

        await Say(output, "6/7 the control plane: flotilla serve with the dashboard, and an agent in every lab host").ConfigureAwait(false);
        DemoControlPlane.Started server;
        try
        {
            server = await DemoControlPlane.StartAsync(lab, output, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or LabException or IOException or System.ComponentModel.Win32Exception or System.Data.Common.DbException)
        {
            return await Failed(context, name, "the control plane did not come up: " + e.Message).ConfigureAwait(false);
        }

        await Say(output, $"7/7 the lab {name} stays up for you").ConfigureAwait(false);
        await output.WriteLineAsync($"""
                inventory:  {inventory}
                try:        ./flotilla status -f {inventory} --substituters ""
                            ./flotilla rollback -f {inventory} --on {ChangedHost}
                            ./flotilla lab fault --name {name}{StateArgument(stateRoot)} {BrokenHost} unhealthy
                ssh:        ssh root@{lab.GetHost(BrokenHost).Address}
                dashboard:  {server.Url}/  (a login made for this demo run: user, password and TOTP secret in {server.LoginFile}, mode 0600)
                API:        ./flotilla remote hosts --url {server.Url} --token-file {server.ApiTokenFile}
                            ./flotilla remote run --url {server.Url} --token-file {server.ApiTokenFile} --on all -- uptime
                logs:       {server.Directory}/*.log
                remove it:  ./flotilla demo --down{(name == "demo" ? "" : " --name " + name)}{StateArgument(stateRoot)}
            """).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static string StateArgument(string stateRoot) =>
        Path.GetFullPath(stateRoot) == LabOptions.DefaultStateRoot ? "" : " --state-dir " + stateRoot;

    private static Task Say(TextWriter output, string line) => output.WriteLineAsync("\n==> " + line);

    private static async Task<int> Failed(CliContext context, string name, string what)
    {
        await context.Error.WriteLineAsync($"demo: {what}; the lab stays up to look at (./flotilla lab status --name {name}); remove it with ./flotilla demo --down --name {name}").ConfigureAwait(false);
        return ExitCodes.Failed;
    }

    /// <summary>Sets the version and the health of every service in a lab host's configuration (docs/lab.md).</summary>
    private static async Task ConfigureAsync(string path, string version, bool healthy, CancellationToken cancellationToken)
    {
        var config = JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false))!;
        config["version"] = version;
        foreach (var service in config["services"]?.AsArray() ?? [])
        {
            service!["health"] = healthy ? "healthy" : "unhealthy";
        }

        await File.WriteAllTextAsync(path, config.ToJsonString(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>examples/homelab in the working directory or a directory above it, or above the binary.</summary>
    private static string? FindExample(string workingDirectory)
    {
        foreach (var start in new[] { workingDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(Path.GetFullPath(start)); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "examples", "homelab");
                if (File.Exists(Path.Combine(candidate, "flake.nix")))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}
