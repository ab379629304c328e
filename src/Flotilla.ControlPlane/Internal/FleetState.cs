using System.Collections.Concurrent;
using System.Collections.Immutable;
using Flotilla.ControlPlane.Store;
using Flotilla.Contracts;

namespace Flotilla.ControlPlane.Internal;

/// <summary>A host as the server sees it now: its connection, last heartbeat and figures. Guarded by its own lock.</summary>
internal sealed class HostPresence(string name)
{
    public string Name { get; } = name;
    public object Gate { get; } = new();
    public AgentSession? Session { get; set; }
    public bool Online { get; set; }
    public DateTimeOffset? LastSeen { get; set; }
    public DateTimeOffset? LastPersisted { get; set; }
    public DateTimeOffset? DisconnectedAt { get; set; }
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);
    public HostMetrics? Metrics { get; set; }
    public HostFacts? Facts { get; set; }
    /// <summary>The containers of the agent's last heartbeat; in memory only (the next heartbeat brings them again).</summary>
    public IReadOnlyList<ContainerState>? Containers { get; set; }

    /// <summary>The file systems the agent watches, at its last heartbeat (null: an older agent).</summary>
    public IReadOnlyList<StorageUsage>? Storage { get; set; }

    /// <summary>The backups the agent reported at its last heartbeat (null: none, or an older agent).</summary>
    public IReadOnlyList<BackupReport>? Backups { get; set; }
}

/// <summary>A queued or running command, kept in memory so the hot path and the sweeps need no query.</summary>
internal sealed class ActiveCommand(CommandRecord record)
{
    public string Id { get; } = record.Id;
    public string BatchId { get; } = record.BatchId;
    public string Host { get; } = record.Host;
    public string Op { get; } = record.Op;
    public ImmutableArray<string> Argv { get; } = record.Argv;
    public TimeSpan Timeout { get; } = record.Timeout;
    public DateTimeOffset ExpiresAt { get; } = record.ExpiresAt;
    public CommandState State { get; set; } = record.State;
    public DateTimeOffset? StartedAt { get; set; } = record.StartedAt;
    public bool Finishing { get; set; }

    /// <summary>Guards the output cap's count below.</summary>
    public Lock Gate { get; } = new();

    /// <summary>The output cap's count: bytes stored, the highest line counted, the first line not stored, and what was not stored.</summary>
    public long StoredBytes { get; set; }
    public long LastCountedLine { get; set; }
    public long? FirstDroppedLine { get; set; }
    public long DroppedLines { get; set; }
    public long DroppedBytes { get; set; }

    /// <summary>The command's final message, with what its output cap left out when it left anything out.</summary>
    public string? WithTruncation(string? message, long cap)
    {
        string note;
        lock (Gate)
        {
            if (DroppedLines == 0)
            {
                return message;
            }

            note = $"output truncated at {cap} bytes: {DroppedLines} more lines ({DroppedBytes} bytes) were not stored";
        }

        return message is null ? note : message + "; " + note;
    }

    /// <summary>The command's input, in memory only (see <see cref="CreateCommandsRequest.Input"/>).</summary>
    public string? Input { get; init; }

    public RunCommandMessage ToMessage() => new(Id, Op, Argv, Timeout.TotalSeconds) { Input = Input };
}

/// <summary>Every host's presence and every active command. Thread safe.</summary>
internal sealed class FleetState
{
    public ConcurrentDictionary<string, HostPresence> Hosts { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, ActiveCommand> Commands { get; } = new(StringComparer.Ordinal);

    public HostPresence Host(string name) => Hosts.GetOrAdd(name, static n => new HostPresence(n));

    public int OnlineCount => Hosts.Values.Count(h => h.Online);

    public int ConnectionCount => Hosts.Values.Count(h => h.Session is not null);

    public IEnumerable<ActiveCommand> CommandsOf(string host) => Commands.Values.Where(c => c.Host == host);
}
