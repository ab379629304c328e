using System.Collections.Immutable;
using Flotilla.Contracts;

namespace Flotilla.Agent.Internal;

/// <summary>
/// The fixed argument list each op runs (docs/control-plane.md, "Ops"). Only <c>exec</c> runs
/// what the server sends, and the server allows that only with <c>--allow-commands</c>.
/// </summary>
internal static class OpCommands
{
    /// <summary>
    /// The argument list, or an error saying why the op cannot run here. With
    /// <paramref name="branch"/> (a clone the agent keeps of <c>--repo-url</c>), pull follows
    /// that branch of origin.
    /// </summary>
    public static (ImmutableArray<string> Argv, string? Error) For(string op, ImmutableArray<string> argv, string platform, string hostname, string? repo, string? branch = null)
    {
        var darwin = platform == "darwin";
        var rebuild = darwin ? "darwin-rebuild" : "nixos-rebuild";
        string? NeedRepo() => repo is null ? $"op {op} needs the agent's --repo (the flake repository) or --repo-url" : null;
        return op switch
        {
            Ops.Exec when !argv.IsDefaultOrEmpty => (argv, null),
            Ops.Exec => ([], "exec needs an argument list"),
            Ops.Pull => NeedRepo() is { } e ? ([], e) : branch is null ? (["git", "-C", repo!, "pull", "--ff-only"], null) : (["git", "-C", repo!, "pull", "--ff-only", "origin", branch], null),
            Ops.Switch => NeedRepo() is { } e ? ([], e) : ([rebuild, "switch", "--flake", $"{repo}#{hostname}"], null),
            Ops.Test => NeedRepo() is { } e ? ([], e) : (darwin ? [rebuild, "check", "--flake", $"{repo}#{hostname}"] : [rebuild, "test", "--flake", $"{repo}#{hostname}"], null),
            Ops.Rollback => ([rebuild, "switch", "--rollback"], null),
            Ops.Reboot => (darwin ? ["shutdown", "-r", "now"] : ["systemctl", "reboot"], null),
            _ => ([], $"unknown op \"{op}\""),
        };
    }
}
