using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Flotilla.Contracts;

namespace Flotilla.Dashboard.Tests.Support;

/// <summary>
/// The control plane's side of the dashboard, kept in memory until the real server exists: hosts
/// the test sets, commands the dashboard sends (recorded), and output lines the test appends as an
/// agent would. It honours the interfaces' contracts (changes to every watcher; output history
/// then following, without gaps). Thread safe.
/// </summary>
public sealed class TestFleet(TimeProvider time) : IFleetSource, ICommandService
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, HostSummary> _hosts = new(StringComparer.Ordinal);

    /// <summary>The host's containers as its agent would report them in a heartbeat: watchers get the host again.</summary>
    public void SetContainers(string host, params ContainerState[] containers)
    {
        HostSummary changed;
        lock (_lock)
        {
            changed = _hosts[host] with { Containers = [.. containers] };
            _hosts[host] = changed;
        }

        Broadcast(new HostChanged(changed));
    }

    private readonly Dictionary<string, Command> _commands = new(StringComparer.Ordinal);
    private readonly List<Channel<FleetChange>> _watchers = [];
    private int _nextCommand;

    public List<CommandRequest> Requests { get; } = [];

    public static HostSummary Host(string name, bool online = true, params string[] tags) => new(
        name, online, DateTimeOffset.FromUnixTimeSeconds(1_800_000_000), "nixos", "42", true, [.. tags],
        [new DriftCompartment("agent", DriftState.Ok, "agent 0.1.0"), new DriftCompartment("git", DriftState.Outdated, "3 commits behind origin/main"),
         new DriftCompartment("lock", DriftState.Ok, null), new DriftCompartment("system", DriftState.Ok, "generation 42 is current"), new DriftCompartment("tests", DriftState.Failed, "nginx: 500")],
        new HostMetrics(12.5, MemoryTotalBytes: 1000, MemoryUsedBytes: 400, SwapTotalBytes: 1000, SwapUsedBytes: 0, Load1: 0.42, Load5: 0.4, Load15: 0.3, DiskTotalBytes: 1000, DiskUsedBytes: 710));

    public void SetHost(HostSummary host)
    {
        lock (_lock)
        {
            _hosts[host.Name] = host;
        }

        Broadcast(new HostChanged(host));
    }

    public ValueTask<IReadOnlyList<HostSummary>> ListHostsAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<IReadOnlyList<HostSummary>>([.. _hosts.Values.OrderBy(h => h.Name, StringComparer.Ordinal)]);
        }
    }

    public ValueTask<HostDetail?> GetHostAsync(string name, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_hosts.TryGetValue(name, out var host)
                ? new HostDetail(host, ImmutableSortedDictionary.CreateRange<string, string>(StringComparer.Ordinal, [new("hostname", name), new("nixos-version", "25.05"), new("flake revision", "abc1234")]))
                : null);
        }
    }

    public async IAsyncEnumerable<FleetChange> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var channel = Channel.CreateBounded<FleetChange>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest });
        lock (_lock)
        {
            _watchers.Add(channel);
            foreach (var host in _hosts.Values)
            {
                channel.Writer.TryWrite(new HostChanged(host));
            }
        }

        try
        {
            await foreach (var change in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        }
    }

    public ValueTask<ImmutableArray<CommandRecord>> SendAsync(CommandRequest request, CancellationToken cancellationToken = default)
    {
        var records = ImmutableArray.CreateBuilder<CommandRecord>();
        lock (_lock)
        {
            Requests.Add(request);
            foreach (var host in request.Hosts)
            {
                var id = "c" + (++_nextCommand).ToString(CultureInfo.InvariantCulture);
                var now = time.GetUtcNow();
                var record = new CommandRecord(id, "b" + id, host, request.Operation, request.Argv, CommandState.Queued, null, now, null, null, now.AddHours(1), Ops.DefaultTimeout(request.Operation), null, request.RequestedBy);
                _commands[id] = new Command(record);
                records.Add(record);
            }
        }

        foreach (var record in records)
        {
            Broadcast(new CommandChanged(record));
        }

        return ValueTask.FromResult(records.ToImmutable());
    }

    /// <summary>An output line from the host's agent.</summary>
    public void Output(string commandId, string text, OutputStream stream = OutputStream.Stdout)
    {
        CommandRecord? started = null;
        lock (_lock)
        {
            var command = _commands[commandId];
            command.Lines.Add(new OutputLine(commandId, command.Lines.Count + 1, stream, text, time.GetUtcNow()));
            if (command.Record.State == CommandState.Queued)
            {
                command.Record = started = command.Record with { State = CommandState.Running };
            }

            command.Signal();
        }

        if (started is not null)
        {
            Broadcast(new CommandChanged(started));
        }
    }

    public void Complete(string commandId, int exitCode)
    {
        CommandRecord record;
        lock (_lock)
        {
            var command = _commands[commandId];
            command.Record = record = command.Record with { State = exitCode == 0 ? CommandState.Succeeded : CommandState.Failed, ExitCode = exitCode, FinishedAt = time.GetUtcNow() };
            command.Signal();
        }

        Broadcast(new CommandChanged(record));
    }

    public ValueTask<IReadOnlyList<CommandRecord>> ListAsync(string host, int limit, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult<IReadOnlyList<CommandRecord>>([.. _commands.Values.Select(c => c.Record).Where(r => r.Host == host).OrderByDescending(r => r.CreatedAt).ThenByDescending(r => r.Id, StringComparer.Ordinal).Take(limit)]);
        }
    }

    public ValueTask<CommandRecord?> GetAsync(string commandId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_commands.TryGetValue(commandId, out var command) ? command.Record : null);
        }
    }

    public ValueTask<bool> KillAsync(string commandId, string requestedBy, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_commands.TryGetValue(commandId, out var command) && command.Record.FinishedAt is null);
        }
    }

    public async IAsyncEnumerable<OutputLine> ReadOutputAsync(string commandId, long afterSequence, bool follow, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var next = afterSequence;
        while (true)
        {
            OutputLine[] lines;
            Task changed;
            bool finished;
            lock (_lock)
            {
                var command = _commands[commandId];
                lines = [.. command.Lines.Skip((int)next)];
                changed = command.Changed.Task;
                finished = command.Record.FinishedAt is not null;
            }

            foreach (var line in lines)
            {
                yield return line;
                next = line.Sequence;
            }

            if (!follow || (finished && lines.Length == 0))
            {
                yield break;
            }

            if (lines.Length == 0)
            {
                await changed.WaitAsync(cancellationToken);
            }
        }
    }

    private void Broadcast(FleetChange change)
    {
        lock (_lock)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(change);
            }
        }
    }

    private sealed class Command(CommandRecord record)
    {
        public CommandRecord Record { get; set; } = record;

        public List<OutputLine> Lines { get; } = [];

        public TaskCompletionSource Changed { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Signal()
        {
            var previous = Changed;
            Changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            previous.SetResult();
        }
    }
}
