namespace Flotilla.ControlPlane;

/// <summary>How the runs <c>flotilla serve</c> hosts deploy, as <c>flotilla deploy</c>'s options set them. Immutable.</summary>
public sealed record HostedRunSettings
{
    /// <summary>nix's <c>substituters</c> for builds and copies (<c>deploy --substituters</c>); null keeps nix.conf's, "" turns substitution off.</summary>
    public string? Substituters { get; init; }

    /// <summary>A host rolls back by itself unless its activation is confirmed within this time.</summary>
    public TimeSpan ConfirmTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The secret key that signs closures pushed to a host's cache (hosts reached through agents; <c>deploy --cache-key-file</c>).</summary>
    public string? CacheKeyFile { get; init; }

    /// <summary>How many steps of a run go at once.</summary>
    public int Parallel { get; init; } = Execution.SchedulerOptions.DefaultParallel;
}
