namespace Flotilla.Lab;

/// <summary>A fault the lab injects into one host, for real.</summary>
public enum LabFault
{
    /// <summary>The next <c>switch-to-configuration</c> exits non-zero (every one, while a duration lasts).</summary>
    ActivationFails,
    /// <summary>Every HTTP lab service of the host answers 500.</summary>
    Unhealthy,
    /// <summary>The host's link goes down: nothing reaches it until the duration ends or <see cref="Lab.HealAsync"/>.</summary>
    Unreachable,
    /// <summary>The host's sshd stops listening; open sessions stay.</summary>
    SshdStop,
    /// <summary>Every process of the host is killed, /run is cleared, a new boot id, the default generation boots.</summary>
    Reboot,
    /// <summary>From the host's next boot on (a reboot fault, or <c>systemctl reboot</c> on the host), its boot hangs before sshd starts: it never comes back until healed.</summary>
    BootHangs,
}

/// <summary>The command-line names of <see cref="LabFault"/> (<c>activation-fails</c>, <c>sshd-stop</c>, ...).</summary>
public static class LabFaultNames
{
    private static readonly (string Name, LabFault Fault)[] Names =
    [
        ("activation-fails", LabFault.ActivationFails),
        ("unhealthy", LabFault.Unhealthy),
        ("unreachable", LabFault.Unreachable),
        ("sshd-stop", LabFault.SshdStop),
        ("reboot", LabFault.Reboot),
        ("boot-hangs", LabFault.BootHangs),
    ];

    public static IReadOnlyList<string> All { get; } = [.. Names.Select(n => n.Name)];

    public static string ToName(this LabFault fault) => Names.First(n => n.Fault == fault).Name;

    public static bool TryParse(string text, out LabFault fault)
    {
        foreach (var (name, value) in Names)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                fault = value;
                return true;
            }
        }

        fault = default;
        return false;
    }
}
