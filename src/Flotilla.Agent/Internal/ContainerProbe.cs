using System.Text.Json;
using Flotilla.Contracts;
using Flotilla.Processes;

namespace Flotilla.Agent.Internal;

/// <summary>
/// The host's containers for a heartbeat: <c>podman ps --all --format json</c>, when podman is on
/// the PATH (null otherwise, and on any failure: a heartbeat never waits on podman for long). Thread safe.
/// </summary>
internal static class ContainerProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static async Task<IReadOnlyList<ContainerState>?> ReadAsync(CancellationToken cancellationToken)
    {
        if (Podman() is not { } podman)
        {
            return null;
        }

        // Storage elsewhere (CONTAINERS_STORAGE_CONF): only podman knows where; ask it.
        if (Environment.GetEnvironmentVariable("CONTAINERS_STORAGE_CONF") is null && !HasContainers())
        {
            // No container in podman's storage: no process to start on every heartbeat.
            return [];
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var result = await ProcessRunner.RunAsync(podman, ["ps", "--all", "--format", "json"], null, timeout.Token).ConfigureAwait(false);
            return result.ExitCode == 0 ? Parse(result.StandardOutput) : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException or OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>podman's JSON list: <c>Names</c> (a list), <c>Image</c>, <c>State</c>, <c>Status</c>, <c>ExitCode</c>.</summary>
    internal static IReadOnlyList<ContainerState>? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json);
            var containers = new List<ContainerState>();
            foreach (var item in document.RootElement.EnumerateArray())
            {
                var name = item.TryGetProperty("Names", out var names) && names.ValueKind == JsonValueKind.Array && names.GetArrayLength() > 0
                    ? names[0].GetString() ?? "" : "";
                containers.Add(new ContainerState(
                    name,
                    item.TryGetProperty("Image", out var image) ? image.GetString() ?? "" : "",
                    item.TryGetProperty("State", out var state) ? state.GetString() ?? "" : "",
                    item.TryGetProperty("Status", out var status) ? status.GetString() : null,
                    item.TryGetProperty("ExitCode", out var exit) && exit.TryGetInt32(out var code) ? code : null));
            }

            return [.. containers.OrderBy(c => c.Name, StringComparer.Ordinal)];
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Whether podman's storage (root's, or the user's) lists any container: its drivers' containers.json, read without starting podman.</summary>
    private static bool HasContainers()
    {
        var roots = new List<string> { "/var/lib/containers/storage" };
        if (Environment.GetEnvironmentVariable("HOME") is { Length: > 0 } home)
        {
            roots.Add(Path.Combine(home, ".local", "share", "containers", "storage"));
        }

        foreach (var root in roots)
        {
            foreach (var driver in (string[])["overlay-containers", "vfs-containers", "btrfs-containers", "zfs-containers"])
            {
                try
                {
                    var file = Path.Combine(root, driver, "containers.json");
                    if (File.Exists(file) && File.ReadAllText(file).Contains("\"id\"", StringComparison.Ordinal))
                    {
                        return true;
                    }
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return true; // cannot tell: ask podman
                }
            }
        }

        return false;
    }

    private static string? Podman() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "podman"))
            .FirstOrDefault(File.Exists);
}
