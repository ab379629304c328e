using System.Collections.Immutable;

namespace Flotilla.Contracts;

/// <summary>The operations a command can be (NixFleet's, and an arbitrary command); the agent maps each to a fixed argument list.</summary>
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

    /// <summary>Ops a dashboard session sends only with a fresh TOTP code (or the password, with no TOTP configured).</summary>
    public static bool IsDangerous(string op) => op is Rollback or Reboot or Exec;

    /// <summary>How long each op may run by default before the agent kills it.</summary>
    public static TimeSpan DefaultTimeout(string op) => op switch
    {
        Pull => TimeSpan.FromMinutes(5),
        Switch or Test => TimeSpan.FromMinutes(30),
        Rollback => TimeSpan.FromMinutes(10),
        Reboot or RestartAgent => TimeSpan.FromMinutes(1),
        _ => TimeSpan.FromMinutes(10),
    };

    /// <summary>The argument list for a command line typed into the dashboard: run by the host's shell, as the person meant it.</summary>
    public static ImmutableArray<string> ShellArgv(string commandLine) => ["/bin/sh", "-c", commandLine];

    /// <summary>How a command reads on the pages and in the audit log: the typed line for a shell command, the op otherwise.</summary>
    public static string Describe(string op, ImmutableArray<string> argv) => argv switch
    {
        { IsDefaultOrEmpty: true } => op,
        [ "/bin/sh", "-c", var line ] => line,
        _ => string.Join(' ', argv),
    };
}

/// <summary>The protocol's version: agents send it in <see cref="RegisterMessage"/>.</summary>
public static class ProtocolVersion
{
    public const int Current = 1;
}
