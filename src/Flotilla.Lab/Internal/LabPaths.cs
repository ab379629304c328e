namespace Flotilla.Lab.Internal;

/// <summary>Where a lab keeps its files under its state directory.</summary>
internal static class LabPaths
{
    public static string StateFile(string labDirectory) => Path.Combine(labDirectory, "state.json");
    public static string Inventory(string labDirectory) => Path.Combine(labDirectory, "inventory");
    public static string Hosts(string labDirectory) => Path.Combine(labDirectory, "hosts");
    public static string Timers(string labDirectory) => Path.Combine(labDirectory, "timers");
    public static string Key(string labDirectory) => Path.Combine(labDirectory, "id_ed25519");
    public static string SshConfig(string labDirectory) => Path.Combine(labDirectory, "ssh_config");
    public static string KnownHosts(string labDirectory) => Path.Combine(labDirectory, "known_hosts");
    public static string BootScript(string labDirectory) => Path.Combine(labDirectory, "boot.sh");
    /// <summary>What <c>systemctl reboot</c> on a lab host runs (boot.sh leaves /run/lab/reboot pointing at it).</summary>
    public static string RebootScript(string labDirectory) => Path.Combine(labDirectory, "reboot.sh");

    public static string InitPid(string hostDirectory) => Path.Combine(hostDirectory, "init.pid");
    public static string BootId(string hostDirectory) => Path.Combine(hostDirectory, "boot_id");
    /// <summary>While this file exists the host's boot hangs before sshd starts (the boot-hangs fault).</summary>
    public static string BootHangs(string hostDirectory) => Path.Combine(hostDirectory, "boot-hangs");
    public static string SshdConfig(string hostDirectory) => Path.Combine(hostDirectory, "sshd_config");
    public static string SshdLog(string hostDirectory) => Path.Combine(hostDirectory, "sshd.log");
    public static string HostKey(string hostDirectory) => Path.Combine(hostDirectory, "ssh_host_ed25519_key");
}
