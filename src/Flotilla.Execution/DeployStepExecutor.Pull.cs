using Flotilla.Inventory;
using Flotilla.Nix;
using Flotilla.Processes;

namespace Flotilla.Execution;

/// <summary>
/// Pull mode (<see cref="Host.PullFrom"/>): the host builds its own system from the fleet's flake
/// at the revision this run deploys, fetched from where the host can reach it, and the result
/// must be the closure this run evaluated here; nothing is built here or copied to it.
/// </summary>
public sealed partial class DeployStepExecutor
{
    private readonly SemaphoreSlim revisionGate = new(1, 1);
    private (string? Revision, string? Problem)? revision;

    private async Task<StepResult> PullBuildAsync(Fleet fleet, Host host, HostClosure closure, Action<string> output, CancellationToken cancellationToken)
    {
        var (rev, problem) = await RevisionAsync(fleet, cancellationToken).ConfigureAwait(false);
        if (problem is not null)
        {
            return StepResult.Failed($"build:{host.Name}: {host.Name} builds its own system (pullFrom), {problem}");
        }

        var flake = host.PullFrom + (host.PullFrom!.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "rev=" + rev;
        var installable = flake + "#" + NixBuilder.SystemAttribute(host);
        output($"{host.Name} builds {installable}");
        var built = await ssh.RunAsync(host, ["nix", .. NixFlags.Flakes, "build", "--json", "--no-link", installable], null, output, cancellationToken).ConfigureAwait(false);
        if (built.ExitCode == 255)
        {
            return StepResult.Failed($"build:{host.Name}: cannot reach {ssh.Describe(host)}: {built.Tail(3)}");
        }

        if (!built.Succeeded)
        {
            return StepResult.Failed($"build:{host.Name}: {host.Name} could not build {installable} (exit {built.ExitCode}); check that it can fetch {host.PullFrom} and that revision {rev} is pushed there\n{built.Tail(5)}");
        }

        HashSet<string> paths;
        try
        {
            paths = NixBuilder.BuiltPaths(built.Output);
        }
        catch (System.Text.Json.JsonException)
        {
            return StepResult.Failed($"build:{host.Name}: nix build on {host.Name} printed no build result: {built.Tail(3)}");
        }

        return paths.Contains(closure.SystemPath)
            ? StepResult.Succeeded($"{host.Name} built {closure.SystemPath} from {host.PullFrom} at {rev}")
            : StepResult.Failed($"build:{host.Name}: {host.Name} built {string.Join(", ", paths)} from {host.PullFrom} at {rev}, but the flake here evaluates to {closure.SystemPath}: "
                + "the host's nix or the fetched source differ from this machine's; deploy it without pullFrom, or align them");
    }

    /// <summary>The flake's revision here (git HEAD), once per run; a flake with uncommitted changes has none the host could fetch.</summary>
    private async Task<(string? Revision, string? Problem)> RevisionAsync(Fleet fleet, CancellationToken cancellationToken)
    {
        await revisionGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (revision is { } known)
            {
                return known;
            }

            revision = await ReadRevisionAsync(fleet.FlakeDirectory, cancellationToken).ConfigureAwait(false);
            return revision.Value;
        }
        finally
        {
            revisionGate.Release();
        }
    }

    private static async Task<(string? Revision, string? Problem)> ReadRevisionAsync(string? directory, CancellationToken cancellationToken)
    {
        if (directory is null)
        {
            return (null, "but the inventory names no flake to build: pull mode builds the fleet's flake");
        }

        var head = await ProcessRunner.RunAsync("git", ["-C", directory, "rev-parse", "--verify", "HEAD"], null, null, null, cancellationToken).ConfigureAwait(false);
        if (head.ExitCode != 0)
        {
            return (null, $"but {directory} is not a git checkout with a commit: the host fetches the flake at a revision (git init, commit and push it)");
        }

        var status = await ProcessRunner.RunAsync("git", ["-C", directory, "status", "--porcelain", "--untracked-files=no"], null, null, null, cancellationToken).ConfigureAwait(false);
        if (status.ExitCode != 0 || status.StandardOutput.Trim().Length > 0)
        {
            return (null, $"but {directory} has uncommitted changes the host cannot fetch: commit and push them, then deploy");
        }

        return (head.StandardOutput.Trim(), null);
    }
}
