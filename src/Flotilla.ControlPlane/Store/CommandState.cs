using System.Collections.Immutable;

namespace Flotilla.ControlPlane.Store;

/// <summary>Where a command is: queued, running, or one of the terminal states.</summary>
public enum CommandState
{
    Queued,
    Running,
    Succeeded,
    Failed,
    TimedOut,
    Lost,
}

public static class CommandStates
{
    public static ImmutableArray<CommandState> Active { get; } = [CommandState.Queued, CommandState.Running];

    public static bool IsTerminal(this CommandState state) => state is not (CommandState.Queued or CommandState.Running);

    /// <summary>The name in the API, the store and metrics: queued, running, succeeded, failed, timed-out, lost.</summary>
    public static string ToName(this CommandState state) => state switch
    {
        CommandState.Queued => "queued",
        CommandState.Running => "running",
        CommandState.Succeeded => "succeeded",
        CommandState.Failed => "failed",
        CommandState.TimedOut => "timed-out",
        CommandState.Lost => "lost",
        _ => throw new ArgumentOutOfRangeException(nameof(state)),
    };

    public static CommandState Parse(string name) => name switch
    {
        "queued" => CommandState.Queued,
        "running" => CommandState.Running,
        "succeeded" => CommandState.Succeeded,
        "failed" => CommandState.Failed,
        "timed-out" => CommandState.TimedOut,
        "lost" => CommandState.Lost,
        _ => throw new FormatException($"unknown command state \"{name}\""),
    };

    public static bool TryParse(string name, out CommandState state)
    {
        try
        {
            state = Parse(name);
            return true;
        }
        catch (FormatException)
        {
            state = default;
            return false;
        }
    }
}
