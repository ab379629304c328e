using System.Collections.Immutable;

namespace Flotilla.Contracts;

/// <summary>The operations a command can be; the agent maps each to a fixed argument list.</summary>
public static class Ops
{
    public const string Pull = "pull";
    public const string Switch = "switch";
    public const string Test = "test";
    public const string Rollback = "rollback";
    public const string Reboot = "reboot";
    public const string RestartAgent = "restart-agent";
    /// <summary>An arbitrary argument list; the server accepts it only when allowed.</summary>
    public const string Exec = "exec";

    public static ImmutableArray<string> All { get; } = [Pull, Switch, Test, Rollback, Reboot, RestartAgent, Exec];

    public static bool IsKnown(string op) => All.Contains(op);

    /// <summary>How long each op may run by default before the agent kills it.</summary>
    public static TimeSpan DefaultTimeout(string op) => op switch
    {
        Pull => TimeSpan.FromMinutes(5),
        Switch or Test => TimeSpan.FromMinutes(30),
        Rollback => TimeSpan.FromMinutes(10),
        Reboot or RestartAgent => TimeSpan.FromMinutes(1),
        _ => TimeSpan.FromMinutes(10),
    };
}

/// <summary>The protocol's version: agents send it in <see cref="RegisterMessage"/>.</summary>
public static class ProtocolVersion
{
    public const int Current = 1;
}
