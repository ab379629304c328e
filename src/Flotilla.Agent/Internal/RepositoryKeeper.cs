using Flotilla.Processes;

namespace Flotilla.Agent.Internal;

/// <summary>
/// The repository an agent keeps for itself (NixFleet's <c>repoUrl</c> and <c>branch</c>): cloned
/// into the agent's directory when it is not there yet, at start and again before an op that needs
/// it; the pull op then follows the branch. Thread safe (one clone at a time).
/// </summary>
internal sealed class RepositoryKeeper(string directory, string url, string branch)
{
    private static readonly TimeSpan CloneTimeout = TimeSpan.FromMinutes(10);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Directory => directory;

    public string Url => url;

    public string Branch => branch;

    /// <summary>Null when the clone is there (or was just made), else why it could not be made.</summary>
    public async Task<string?> EnsureAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (System.IO.Directory.Exists(Path.Combine(directory, ".git")))
            {
                return null;
            }

            if (System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
            {
                return $"{directory} exists and is not a git repository: the agent keeps its clone of {url} there; empty it or choose another --repo";
            }

            var parent = Path.GetDirectoryName(Path.GetFullPath(directory));
            if (parent is not null)
            {
                System.IO.Directory.CreateDirectory(parent);
            }

            var (exitCode, error) = await GitAsync(["clone", "--branch", branch, "--single-branch", "--", url, directory], cancellationToken).ConfigureAwait(false);
            return exitCode == 0 ? null : $"git clone of {url} (branch {branch}) into {directory} failed (exit {exitCode}): {error}";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return $"cannot clone {url} into {directory}: {e.Message}";
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task<(int ExitCode, string Error)> GitAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        // Never wait for a password or a host key question nobody can answer.
        var environment = new Dictionary<string, string> { ["GIT_TERMINAL_PROMPT"] = "0" };
        if (Environment.GetEnvironmentVariable("GIT_SSH_COMMAND") is null)
        {
            environment["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes";
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(CloneTimeout);
        try
        {
            var result = await ProcessRunner.RunAsync("git", arguments, environment, timeout.Token).ConfigureAwait(false);
            return (result.ExitCode, string.Join(' ', result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(3)));
        }
        catch (OperationCanceledException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return (-1, $"no answer within {CloneTimeout.TotalMinutes} minutes");
        }
    }
}
