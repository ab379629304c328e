using System.Collections.Immutable;
using Flotilla.ControlPlane.Dashboard;
using Flotilla.ControlPlane.Events;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;

namespace Flotilla.ControlPlane.Internal;

/// <summary>
/// Creates commands (stored before they are answered or sent), dispatches and kills them. With the
/// dashboard, the inventory's tags (<see cref="FleetTargetTracker"/>) count for <c>@tag</c> selectors.
/// </summary>
internal sealed class CommandService(
    IControlPlaneStore store,
    FleetState fleet,
    AgentHub hub,
    StoreWriter writer,
    ControlPlaneEvents events,
    ControlPlaneOptions options,
    FleetTargetTracker? target = null)
{
    /// <summary>The batch's commands, one per selected host, stored and dispatched; or why none was made.</summary>
    /// <param name="engineStep">
    /// The server's own engine runs a step of a run it hosts (<see cref="ServerAgentCommands"/>): an
    /// <see cref="Ops.Exec"/> of the engine's making, allowed without <c>--allow-commands</c> (which
    /// is about commands people type).
    /// </param>
    public async Task<(ImmutableArray<CommandRecord> Commands, string? Error)> CreateAsync(CreateCommandsRequest request, string requestedBy, CancellationToken cancellationToken, bool engineStep = false)
    {
        if (!Ops.IsKnown(request.Op))
        {
            return ([], $"unknown op \"{request.Op}\"; ops: {string.Join(", ", Ops.All)}");
        }

        ImmutableArray<string> argv = request.Argv is null ? [] : [.. request.Argv];
        if (request.Op == Ops.Exec)
        {
            if (!options.AllowArbitraryCommands && !engineStep)
            {
                return ([], "this server runs only the fixed ops (pull, switch, test, rollback, reboot, restart-agent); start it with --allow-commands to allow arbitrary commands");
            }

            if (argv.IsEmpty || string.IsNullOrEmpty(argv[0]) || argv.Any(a => a is null))
            {
                return ([], "an exec command needs an argument list (argv), its first element the program");
            }
        }
        else if (!argv.IsEmpty)
        {
            return ([], $"op \"{request.Op}\" takes no argv: the agent runs a fixed command for it");
        }

        if (request.Input is not null && request.Op != Ops.Exec)
        {
            return ([], $"op \"{request.Op}\" takes no input: only exec commands read it");
        }

        if (request.Input is { Length: > Limits.MaxCommandInputCharacters } input)
        {
            return ([], $"input must be at most {Limits.MaxCommandInputCharacters} characters, not {input.Length}: it is held in memory (keys and secrets); copy larger files another way");
        }

        var outOfRange = (request.TimeoutSeconds is { } timeoutSeconds ? Limits.CommandTimeoutSeconds.Check(timeoutSeconds) : null)
            ?? (request.ExpiresInSeconds is { } expirySeconds ? Limits.QueueExpirySeconds.Check(expirySeconds) : null);
        if (outOfRange is not null)
        {
            return ([], outOfRange);
        }

        var (hosts, error) = await SelectAsync(request.On, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return ([], error);
        }

        var now = options.TimeProvider.GetUtcNow();
        var timeout = request.TimeoutSeconds is { } t ? TimeSpan.FromSeconds(t) : Ops.DefaultTimeout(request.Op);
        var expires = now + (request.ExpiresInSeconds is { } e ? TimeSpan.FromSeconds(e) : options.QueueExpiry);
        var batch = NewId(now);
        var records = hosts
            .Select(host => new CommandRecord(NewId(now), batch, host, request.Op, argv, CommandState.Queued, null, now, null, null, expires, timeout, null, requestedBy) { HasInput = request.Input is not null })
            .ToList();
        await store.InsertCommandsAsync(records, cancellationToken).ConfigureAwait(false);
        foreach (var record in records)
        {
            var active = new ActiveCommand(record) { Input = request.Input };
            fleet.Commands[record.Id] = active;
            events.Publish(new CommandChanged(now, record.Id, batch, record.Host, CommandState.Queued, null, null));
            hub.Dispatch(active);
        }

        return ([.. records], null);
    }

    /// <summary>The hosts a selector names (<see cref="Selector"/>), over every host the server knows and the tags it knows of them.</summary>
    public async Task<(IReadOnlyList<string> Hosts, string? Error)> SelectAsync(string selector, CancellationToken cancellationToken)
    {
        var known = new Dictionary<string, ImmutableArray<string>>(StringComparer.Ordinal);
        if (!HostSelector.Split(selector).Any(t => HostSelector.Parse(t).Kind == SelectorKind.Tag))
        {
            // No tag asked for: the names are enough, and cheaper than every host's facts.
            foreach (var name in (await store.HostTokenHashesAsync(cancellationToken).ConfigureAwait(false)).Keys)
            {
                known[name] = [];
            }

            return Selector.Resolve(selector, known);
        }

        var inventory = target?.Current.Hosts;
        foreach (var host in await store.ListHostsAsync(cancellationToken).ConfigureAwait(false))
        {
            HostFacts? facts = host.Facts;
            if (fleet.Hosts.TryGetValue(host.Name, out var presence))
            {
                lock (presence.Gate)
                {
                    facts = presence.Facts ?? facts;
                }
            }

            known[host.Name] = HostTags.Of(inventory?.GetValueOrDefault(host.Name)?.Tags, facts);
        }

        return Selector.Resolve(selector, known);
    }

    /// <summary>Kills a command: a queued one fails at once; a running one is killed by its agent (its end is reported as usual).</summary>
    public async Task<(bool Found, string? Error)> KillAsync(string id, CancellationToken cancellationToken)
    {
        if (!fleet.Commands.TryGetValue(id, out var command))
        {
            var stored = await store.GetCommandAsync(id, cancellationToken).ConfigureAwait(false);
            return stored is null ? (false, null) : (true, $"the command is already {stored.State.ToName()}");
        }

        if (command.State == CommandState.Queued)
        {
            var now = options.TimeProvider.GetUtcNow();
            if (await writer.TransitionAsync(new CommandTransition(id, [CommandState.Queued], CommandState.Failed, now, Message: "killed before it started")).ConfigureAwait(false))
            {
                // It may have been delivered already: the agent must not start it.
                hub.SendKill(command);
                return (true, null);
            }
        }

        // Running (or it just started): the agent kills its process group. The agent may also
        // still be taking a queued command that was just delivered: it gets the kill too.
        return hub.SendKill(command) ? (true, null) : (true, "the host is offline; the command will be marked lost unless its agent returns");
    }

    private static string NewId(DateTimeOffset now) => Guid.CreateVersion7(now).ToString("N");
}
