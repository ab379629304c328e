using System.CommandLine;
using System.Globalization;
using Flotilla.Execution;
using Flotilla.Execution.Operations;
using Flotilla.Inventory;
using Flotilla.Maintenance;

namespace Flotilla.Cli.Commands;

/// <summary>
/// The options <c>reboot</c>, <c>deploy --reboot</c> and <c>upgrade</c> share: <c>--window</c>,
/// <c>--lock-ttl</c>, <c>--lock-wait</c> (<see cref="LeaseOptions"/>, which plain deploys and rollbacks take too), the pre-flight limits (<c>--min-free-disk</c>,
/// <c>--max-load</c>, <c>--min-uptime</c>, <c>--no-preflight</c>), <c>--boot-timeout</c> and
/// <c>--poll-interval</c>. Read validates them with an error that says what to write.
/// </summary>
internal sealed class MaintenanceOptions
{
    public Option<string?> Window { get; } = new("--window")
    {
        Description = "Only reboot inside this maintenance window: DAYS START-END [ZONE], e.g. \"mon-fri 02:00-05:00 Europe/Berlin\" (default: any time)",
        HelpName = "WINDOW",
    };

    /// <summary><c>--lock-ttl</c>, <c>--lock-wait</c>: the run's lease (on the whole fleet with these options; a plain deploy's on its hosts).</summary>
    public LeaseOptions Lease { get; } = new();

    public Option<string> MinFreeDisk { get; } = new("--min-free-disk")
    {
        Description = "Pre-flight: every host has at least this much free on /nix (bytes, or 500M, 2G...)",
        DefaultValueFactory = _ => "1G",
        HelpName = "SIZE",
    };

    public Option<double> MaxLoad { get; } = new("--max-load")
    {
        Description = "Pre-flight: every host's one-minute load average per CPU is at most this",
        DefaultValueFactory = _ => 4.0,
        HelpName = "LOAD",
    };

    public DurationOption MinUptime { get; } = new("--min-uptime", "Pre-flight: every host has been up at least this long", "0s", "0s, 10m or 1d", allowZero: true);

    public Option<bool> NoPreflight { get; } = new("--no-preflight") { Description = "Skip the pre-flight checks (free disk, load, uptime, health)" };

    public DurationOption BootTimeout { get; } = new("--boot-timeout", "A rebooted host must answer with a new boot id within this time, or the sequence stops", "10m", "90s or 10m");

    public DurationOption PollInterval { get; } = new("--poll-interval", "How often a rebooting host is asked for its boot id", "2s", "200ms or 2s");

    public void AddTo(Command command)
    {
        foreach (var option in (Option[])[Window, .. Lease.All, MinFreeDisk, MaxLoad, MinUptime, NoPreflight, BootTimeout, PollInterval])
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The settings, or null after printing what is wrong (prefixed with the command's name).</summary>
    public MaintenanceSettings? Read(ParseResult parse, CliContext context, string command)
    {
        string? Fail(string message)
        {
            context.Error.WriteLine($"{command}: {message}");
            return null;
        }

        MaintenanceWindow? window = null;
        if (parse.GetValue(Window) is { } text && !MaintenanceWindow.TryParse(text, out window, out var error))
        {
            Fail("--window: " + error);
            return null;
        }

        var lease = Lease.Read(parse);
        var uptime = MinUptime.Read(parse);
        var boot = BootTimeout.Read(parse);
        var poll = PollInterval.Read(parse);

        if (!TrySize(parse.GetValue(MinFreeDisk)!, out var free))
        {
            Fail("--min-free-disk takes a size in bytes or with a unit: 500M, 2G, 1T");
            return null;
        }

        var load = parse.GetValue(MaxLoad);
        if (load <= 0 || double.IsNaN(load))
        {
            Fail("--max-load takes a positive number (the one-minute load average per CPU)");
            return null;
        }

        var preflight = parse.GetValue(NoPreflight) ? null : new PreflightLimits { MinFreeBytes = free, MaxLoadPerCpu = load, MinUptime = uptime };
        return new MaintenanceSettings(window, lease, preflight, boot, poll);
    }

    internal static bool TrySize(string text, out long bytes)
    {
        bytes = 0;
        var trimmed = text.Trim();
        var shift = trimmed.Length > 0 ? char.ToUpperInvariant(trimmed[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 } : 0;
        var number = shift == 0 ? trimmed : trimmed[..^1];
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0 || value > 1e15)
        {
            return false;
        }

        bytes = (long)(value * (1L << shift));
        return true;
    }
}
