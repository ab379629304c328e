using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Flotilla.Cli.Output;
using Flotilla.Execution;
using Flotilla.Inventory;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla services</c>: every service of the selected hosts as the hosts run them (containers
/// and systemd units), healthy or not; <c>services logs HOST/NAME [-f]</c> and
/// <c>services restart HOST/NAME</c>. Exits 1 when a service is not running or not healthy.
/// </summary>
internal static class ServicesCommand
{
    public static Command Create(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var json = CommonOptions.Json("Print a JSON list of service objects instead of a table");
        var command = new Command("services", "Show every service of the selected hosts (containers and systemd units): state, image digest, health, restarts")
        {
            file, json, Logs(context), Restart(context), Update(context),
        };
        selection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var fleet = await InventoryCommands.LoadValidAsync(context, parse.GetValue(file), cancellationToken).ConfigureAwait(false);
            if (fleet is null)
            {
                return ExitCodes.InvalidInput;
            }

            if (InventoryCommands.Select(context, fleet, selection.Read(parse)) is not { } hosts)
            {
                return ExitCodes.InvalidInput;
            }

            var statuses = await new ServiceStatusReader().ReadAsync(fleet, hosts, checkHealth: true, cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize<IReadOnlyList<ServiceView>>([.. statuses.Select(ServiceView.Of)], CliJsonContext.Default.IReadOnlyListServiceView)).ConfigureAwait(false);
            }
            else
            {
                var table = new TextTable("HOST", "SERVICE", "KIND", "IMAGE", "STATE", "HEALTH", "RESTARTS", "SINCE", "NOTE");
                foreach (var s in statuses)
                {
                    table.Add(
                        s.Host,
                        s.Name,
                        s.Kind.ToString().ToLowerInvariant(),
                        s.Image is null ? "-" : s.Image + (s.Digest is { Length: > 19 } d ? "@" + d[..19] : ""),
                        s.State.ToString().ToLowerInvariant(),
                        s.Healthy switch { true => "healthy", false => "UNHEALTHY", null => "-" },
                        s.Restarts?.ToString(CultureInfo.InvariantCulture) ?? "-",
                        s.Since?.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "-",
                        s.Message ?? "");
                }

                await table.WriteAsync(context).ConfigureAwait(false);
            }

            return statuses.All(s => s.State == ServiceState.Running && s.Healthy != false) ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    private static Command Logs(CliContext context)
    {
        var file = CommonOptions.File();
        var target = new Argument<string>("HOST/SERVICE") { Description = "The service, as flotilla services names it: its host, a slash, its name" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new lines until interrupted" };
        var lines = new Option<int>("--lines", "-n") { Description = "How many of the last lines to print first", DefaultValueFactory = _ => 100 };
        var command = new Command("logs", "Print a service's log (its container's, or its unit's journal)") { file, target, follow, lines };
        var server = ServerConnectionOptions.ForRuns("services");
        server.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await ResolveAsync(context, parse.GetValue(file), parse.GetValue(target)!, "logs", cancellationToken).ConfigureAwait(false) is not var (host, service, name))
            {
                return ExitCodes.InvalidInput;
            }

            var count = Math.Clamp(parse.GetValue(lines), 0, 100_000).ToString(CultureInfo.InvariantCulture);
            IReadOnlyList<string> argv = service?.Container is not null || service is null
                ? ["podman", "logs", "--tail", count, .. parse.GetValue(follow) ? new[] { "--follow" } : [], name]
                : ["journalctl", "--no-pager", "-n", count, "-u", name.EndsWith(".service", StringComparison.Ordinal) ? name : name + ".service", .. parse.GetValue(follow) ? new[] { "--follow" } : []];
            var (failed, client, agents) = await server.AgentsAsync(context, parse, cancellationToken).ConfigureAwait(false);
            using var connection = client;
            if (failed is { } code)
            {
                return code;
            }

            var result = await new HostTransports(new SshTransport(), agents).RunAsync(host, argv, null, line => context.Output.WriteLine(line), cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                await context.Error.WriteLineAsync($"services logs: {string.Join(' ', argv.Take(2))} on {host.Name} exited with {result.ExitCode}: {result.Tail(3)}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Restart(CliContext context)
    {
        var file = CommonOptions.File();
        var target = new Argument<string>("HOST/SERVICE") { Description = "The service, as flotilla services names it: its host, a slash, its name" };
        var command = new Command("restart", "Restart a service (its container's unit, or its systemd unit), then run its health checks") { file, target };
        var server = ServerConnectionOptions.ForRuns("services");
        server.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await ResolveAsync(context, parse.GetValue(file), parse.GetValue(target)!, "restart", cancellationToken).ConfigureAwait(false) is not var (host, service, name))
            {
                return ExitCodes.InvalidInput;
            }

            // A container NixOS runs is restarted through its unit (podman-NAME), so systemd keeps
            // tracking it; one without a unit with podman itself.
            var script = service?.Container is not null || service is null
                ? RemoteShell.Script(ContainerUpdater.RestartScript, name)
                : RemoteShell.Script("""exec systemctl restart "$1" """, name);
            var (failed, client, agents) = await server.AgentsAsync(context, parse, cancellationToken).ConfigureAwait(false);
            using var connection = client;
            if (failed is { } code)
            {
                return code;
            }

            var result = await new HostTransports(new SshTransport(), agents).RunCommandAsync(host, script, null, null, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                await context.Error.WriteLineAsync($"services restart: restarting {name} on {host.Name} failed (exit {result.ExitCode}): {result.Tail(3)}").ConfigureAwait(false);
                return ExitCodes.Failed;
            }

            await context.Output.WriteLineAsync($"restarted {host.Name}/{name}").ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Update(CliContext context)
    {
        var file = CommonOptions.File();
        var selection = new SelectionOptions(context);
        var command = new Command("update", "Move containers to the image their registry has now, in dependency order, each health-gated and rolled back when the new image fails (containers with an auto-update policy, or those named with --service)")
        {
            file,
        };
        selection.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (await InventoryCommands.SelectServicesAsync(context, parse.GetValue(file), selection.Read(parse), ContainerUpdater.Candidates, cancellationToken).ConfigureAwait(false) is not var (fleet, containers))
            {
                return ExitCodes.InvalidInput;
            }

            if (containers.Count == 0)
            {
                await context.Output.WriteLineAsync("services update: no selected container has an auto-update policy (io.containers.autoupdate, enableAutoUpdate, autoUpdate); name them with --service").ConfigureAwait(false);
                return ExitCodes.Success;
            }

            var updates = await new ContainerUpdater().UpdateAsync(fleet, containers, line => context.Output.WriteLine(line), cancellationToken).ConfigureAwait(false);
            var table = new TextTable("HOST", "SERVICE", "IMAGE", "OUTCOME", "NOTE");
            foreach (var update in updates)
            {
                table.Add(update.Host, update.Service, update.Image, update.Outcome.ToString().ToLowerInvariant(), update.Message);
            }

            await table.WriteAsync(context).ConfigureAwait(false);
            return updates.All(u => u.Outcome is ContainerUpdateOutcome.UpToDate or ContainerUpdateOutcome.Updated) ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    /// <summary><c>HOST/NAME</c> to the host and the inventory's service (null: a container the inventory does not declare) and its name on the host.</summary>
    private static async Task<(Host Host, Service? Service, string Name)?> ResolveAsync(CliContext context, string? file, string target, string verb, CancellationToken cancellationToken)
    {
        var fleet = await InventoryCommands.LoadValidAsync(context, file, cancellationToken).ConfigureAwait(false);
        if (fleet is null)
        {
            return null;
        }

        var slash = target.IndexOf('/', StringComparison.Ordinal);
        var host = slash > 0 ? fleet.FindHost(target[..slash]) : null;
        if (host is null)
        {
            await context.Error.WriteLineAsync($"services {verb}: \"{target}\" names no host of {fleet.SourcePath}; write HOST/SERVICE, as flotilla services lists them").ConfigureAwait(false);
            return null;
        }

        var name = target[(slash + 1)..];
        if (name.Length == 0 || name.StartsWith('-'))
        {
            await context.Error.WriteLineAsync($"services {verb}: \"{target}\" names no service; write HOST/SERVICE").ConfigureAwait(false);
            return null;
        }

        var service = fleet.Services.FirstOrDefault(s => s.Host == host.Name && (s.Name == name || s.Name == host.Name + "/" + name || (s.Container is not null && ContainerRun.NameOf(s) == name)));
        return (host, service, service is null ? name : service.Container is not null ? ContainerRun.NameOf(service) : service.Name);
    }
}
