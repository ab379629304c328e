using System.Globalization;
using Flotilla.Execution.Internal;
using Flotilla.Inventory;

namespace Flotilla.Execution;

/// <summary>What a host booted: its boot id, the system it booted, and its system profile's default (what the next boot runs). Immutable.</summary>
public sealed record BootState(string BootId, string? BootedSystem, string? DefaultSystem);

/// <summary>
/// Reboots one host and watches it come back: records its boot id, asks it to reboot detached
/// from the ssh session (<c>systemctl --no-block reboot</c>, or <c>reboot</c> from a detached
/// shell where there is no systemctl), then polls until it has gone away and answers again with
/// a NEW boot id, within the boot timeout. Thread safe.
/// </summary>
public sealed class HostReboot(RebootOptions? options = null)
{
    private const string ReadScript = """
        echo "boot-id=$(cat /proc/sys/kernel/random/boot_id)"
        echo "booted=$(readlink -f /run/booted-system 2>/dev/null)"
        echo "default=$(readlink -f /nix/var/nix/profiles/system 2>/dev/null)"
        """;

    private const string RebootScript = """
        if command -v systemctl >/dev/null 2>&1; then
          exec systemctl --no-block reboot
        fi
        setsid sh -c 'sleep 1; exec reboot' </dev/null >/dev/null 2>&1 &
        """;

    private readonly RebootOptions options = options ?? new RebootOptions();

    private TimeProvider Time => options.Deploy.TimeProvider;

    /// <summary>The host's boot state, or null when it cannot be reached (or answers nothing sensible).</summary>
    public async Task<BootState?> ReadAsync(Host host, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var ssh = options.Deploy.Transports;
        // A host going down can leave a connection hanging; no read waits longer than this.
        using var bound = new CancellationTokenSource(options.Deploy.Ssh.ConnectTimeout + TimeSpan.FromSeconds(10), Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(bound.Token, cancellationToken);
        RemoteResult result;
        try
        {
            result = await ssh.RunCommandAsync(host, RemoteShell.Script(ReadScript), null, null, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        if (!result.Succeeded)
        {
            return null;
        }

        var values = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => p[1].Trim() is { Length: > 0 } v ? v : null);
        return values.GetValueOrDefault("boot-id") is { } bootId
            ? new BootState(bootId, values.GetValueOrDefault("booted"), values.GetValueOrDefault("default"))
            : null;
    }

    /// <summary>
    /// Reboots the host and waits for its new boot. Succeeds with the new <see cref="BootState"/>;
    /// fails when the host cannot be reached first, refuses the reboot, or is not back with a new
    /// boot id within <see cref="RebootOptions.BootTimeout"/>.
    /// </summary>
    public async Task<(StepResult Result, BootState? Boot)> RebootAsync(Host host, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var output = onLine ?? (_ => { });
        var before = await ReadAsync(host, cancellationToken).ConfigureAwait(false);
        if (before is null)
        {
            return (StepResult.Failed($"reboot:{host.Name}: cannot reach {host.Target} over ssh to reboot it; nothing was done"), null);
        }

        output($"boot id before the reboot: {before.BootId}");
        var issued = Time.GetTimestamp();
        var request = await RequestAsync(host, output, cancellationToken).ConfigureAwait(false);
        if (request is not null)
        {
            return (StepResult.Failed($"reboot:{host.Name}: {request}"), null);
        }

        output("reboot requested; waiting for the host to go down and come back");
        var wentDown = false;
        while (true)
        {
            var elapsed = Time.GetElapsedTime(issued);
            if (elapsed > options.BootTimeout)
            {
                var where = wentDown
                    ? $"went down but did not come back within {Seconds(options.BootTimeout)}"
                    : $"still answers with its old boot id after {Seconds(options.BootTimeout)}: it did not reboot";
                return (StepResult.Failed($"reboot:{host.Name}: {host.Name} {where} (--boot-timeout); the hosts after it are not rebooted"), null);
            }

            var now = await ReadAsync(host, cancellationToken).ConfigureAwait(false);
            if (now is null && !wentDown)
            {
                wentDown = true;
                output($"down after {Seconds(Time.GetElapsedTime(issued))}");
            }
            else if (now is not null && now.BootId != before.BootId)
            {
                var back = Time.GetElapsedTime(issued);
                output($"back after {Seconds(back)} with boot id {now.BootId}");
                return (StepResult.Succeeded($"rebooted in {Seconds(back)}: boot id {before.BootId} -> {now.BootId}"), now);
            }

            await Task.Delay(options.PollInterval, Time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Asks the host to reboot, detached from the ssh session, and returns at once without waiting
    /// for it (for the host the orchestrator runs on). Null when asked; else why the host refused.
    /// </summary>
    public async Task<string?> RequestAsync(Host host, Action<string>? onLine = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        var request = await options.Deploy.Transports.RunCommandAsync(host, RemoteShell.Script(RebootScript), null, onLine, cancellationToken).ConfigureAwait(false);
        // 255: ssh lost the connection, as it may when the reboot is quick; the boot id tells.
        return request.Succeeded || request.ExitCode == 255
            ? null
            : $"the host refused to reboot (exit {request.ExitCode.ToString(CultureInfo.InvariantCulture)})\n{request.Tail(5)}";
    }

    /// <summary>The booted system must be the system profile's default: what the host was meant to boot.</summary>
    public static StepResult CheckBooted(Host host, BootState? boot)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (boot is null)
        {
            return StepResult.Failed($"verify:{host.Name}: cannot reach {host.Target} to read what it booted");
        }

        if (boot.BootedSystem is null || boot.BootedSystem != boot.DefaultSystem)
        {
            return StepResult.Failed(
                $"verify:{host.Name}: {host.Name} booted {boot.BootedSystem ?? "(no /run/booted-system)"}, but its system profile's default is {boot.DefaultSystem ?? "(none)"}: " +
                "the boot loader's default is not the profile's (was switch-to-configuration boot not run?); deploy the host again or roll it back");
        }

        return StepResult.Succeeded($"booted {boot.BootedSystem}, the profile's default");
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
}
