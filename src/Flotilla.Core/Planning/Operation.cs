namespace Flotilla.Planning;

/// <summary>What a plan does to the selected hosts.</summary>
public enum Operation
{
    Deploy,
    Reboot,
    /// <summary>The selected hosts go back to their previous generation, a host before the hosts it depends on.</summary>
    Rollback,
}
