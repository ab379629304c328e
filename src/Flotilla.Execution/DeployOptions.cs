namespace Flotilla.Execution;

/// <summary>What <c>switch-to-configuration</c> does with the new system.</summary>
public enum ActivationGoal
{
    /// <summary>Activate now and make it the boot default.</summary>
    Switch,
    /// <summary>Only make it the boot default.</summary>
    Boot,
    /// <summary>Only activate now; the next boot keeps the previous default.</summary>
    Test,
    /// <summary>Print what would change.</summary>
    DryActivate,
}

/// <summary>The names of the goals, as <c>switch-to-configuration</c> and <c>--goal</c> take them.</summary>
public static class ActivationGoals
{
    public static IReadOnlyList<string> Names { get; } = ["switch", "boot", "test", "dry-activate"];

    public static string Name(ActivationGoal goal) => goal switch
    {
        ActivationGoal.Switch => "switch",
        ActivationGoal.Boot => "boot",
        ActivationGoal.Test => "test",
        _ => "dry-activate",
    };

    /// <summary>A goal by its name (also <c>dryactivate</c>, as journals before the names were recorded).</summary>
    public static bool TryParse(string? name, out ActivationGoal goal)
    {
        goal = name switch
        {
            "switch" => ActivationGoal.Switch,
            "boot" => ActivationGoal.Boot,
            "test" => ActivationGoal.Test,
            "dry-activate" or "dryactivate" => ActivationGoal.DryActivate,
            _ => (ActivationGoal)(-1),
        };
        return Enum.IsDefined(goal);
    }
}

/// <summary>How to reach hosts over the system's OpenSSH. Immutable.</summary>
public sealed record SshOptions
{
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>A connection that answers no keep-alive for this long is given up (ServerAliveInterval × 3).</summary>
    public TimeSpan ServerAliveInterval { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>More <c>-o</c> options (<c>StrictHostKeyChecking=accept-new</c>), passed to ssh and to nix copy.</summary>
    public IReadOnlyList<string> ExtraOptions { get; init; } = [];
    /// <summary>An ssh_config file (<c>-F</c>); null uses the user's own.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>
    /// How long an idle shared connection to a host stays open (ssh's <c>ControlPersist</c>), so
    /// that the next command, copy or run reaches the host without a new handshake; null opens a
    /// connection per command. Defaults to <see cref="SshConnectionSharing.DefaultPersist"/>
    /// (60 s, or <c>FLOTILLA_SSH_PERSIST</c>: seconds, or <c>no</c>).
    /// </summary>
    public TimeSpan? Persist { get; init; } = SshConnectionSharing.DefaultPersist;

    /// <summary>Where the shared connections' sockets live (private to this user); null: <see cref="SshConnectionSharing.DefaultDirectory"/>.</summary>
    public string? ControlDirectory { get; init; }
}

/// <summary>How a deploy runs. Immutable (its transports are made once, on first use).</summary>
public sealed record DeployOptions
{
    private readonly SshOptions ssh = new();
    private readonly AgentTransport? agents;
    private HostTransports? transports;

    public ActivationGoal Goal { get; init; } = ActivationGoal.Switch;
    /// <summary>The target rolls back by itself unless the orchestrator confirms within this time after activation.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Copy and activate also when a host already runs the closure.</summary>
    public bool Force { get; init; }
    /// <summary>
    /// The value of nix's <c>substituters</c> setting for builds (also on a target or build host) and
    /// copies; null keeps nix.conf's,
    /// "" turns substitution off (for machines that cannot reach a binary cache).
    /// </summary>
    public string? Substituters { get; init; }
    /// <summary><c>nix copy --substitute-on-destination</c>: the target fetches what it can from its own caches.</summary>
    public bool SubstituteOnDestination { get; init; } = true;
    public SshOptions Ssh
    {
        get => ssh;
        init
        {
            ssh = value;
            transports = null;
        }
    }

    /// <summary>The agents of the run's control plane (<c>--server</c>), or null: every host over SSH.</summary>
    public AgentTransport? Agents
    {
        get => agents;
        init
        {
            agents = value;
            transports = null;
        }
    }

    /// <summary>The run's transports, made once from <see cref="Ssh"/> and <see cref="Agents"/> and shared by its steps.</summary>
    public HostTransports Transports
    {
        get
        {
            if (transports is { } made)
            {
                return made;
            }

            Interlocked.CompareExchange(ref transports, new HostTransports(new SshTransport(ssh), agents), null);
            return transports;
        }
    }

    /// <summary>
    /// The secret key (a file, as <c>nix key generate-secret</c> writes it) that signs closures
    /// pushed to a host's <see cref="Inventory.Host.Cache"/>, so the host, trusting its public key,
    /// fetches them; null pushes them as nix signs them (unsigned, unless nix.conf's
    /// <c>secret-key-files</c> signs them).
    /// </summary>
    public string? CacheKeyFile { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
    /// <summary>The age identity file container secrets are decrypted with (age, and SOPS's age keys); null: <see cref="ContainerSecrets.AgeIdentity"/> looks for one.</summary>
    public string? AgeIdentity { get; init; }

    /// <summary>The <c>sops</c> program for container secrets in SOPS files; null: <c>FLOTILLA_SOPS</c>, else <c>sops</c> on PATH.</summary>
    public string? Sops { get; init; }

    /// <summary>The OpenTofu or Terraform program for NixMox's terraform steps; null finds <c>tofu</c>, then <c>terraform</c>, on PATH.</summary>
    public string? Terraform { get; init; }

    /// <summary>
    /// The goal for one host: a host whose strategy is <c>recreate</c> gets its new system as the
    /// boot default only (<c>boot</c>), to take effect at its next reboot (<c>flotilla reboot</c>).
    /// <c>rolling</c> and <c>blue-green</c> hosts both activate with <c>test</c> first and become
    /// the boot default only once their health gates confirm (the watchdog's switch).
    /// </summary>
    internal string GoalNameFor(Inventory.Host host) =>
        Goal == ActivationGoal.Switch && host.DeployStrategy == Inventory.DeployStrategy.Recreate ? "boot" : GoalName;

    internal string GoalName => ActivationGoals.Name(Goal);
}
