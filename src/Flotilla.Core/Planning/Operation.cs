namespace Flotilla.Planning;

/// <summary>What a plan does to the selected hosts.</summary>
public enum Operation
{
    Deploy,
    Reboot,
    /// <summary>The selected hosts go back to their previous generation, a host before the hosts it depends on.</summary>
    Rollback,
    /// <summary>Services move from the NixOS units they replace to their containers (or back), one journaled step each, in dependency order.</summary>
    Migrate,
}
