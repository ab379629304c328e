namespace Flotilla.Planning;

/// <summary>What a plan does to the selected hosts.</summary>
public enum Operation
{
    Deploy,
    Reboot,
}
