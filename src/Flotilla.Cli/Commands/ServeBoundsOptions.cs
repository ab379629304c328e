using System.CommandLine;
using System.Globalization;
using Flotilla.ControlPlane;

namespace Flotilla.Cli.Commands;

/// <summary>
/// <c>flotilla serve</c>'s bounds: <c>--max-agents</c>, <c>--max-command-output</c> and
/// <c>--agent-rate</c> (docs/control-plane.md, "Bounds"). Sizes take a unit: <c>B</c>,
/// <c>KiB</c>, <c>MiB</c>, <c>GiB</c> (or <c>K</c>, <c>M</c>, <c>G</c>, also powers of 1024).
/// </summary>
internal sealed class ServeBoundsOptions
{
    public Option<int?> MaxAgents { get; } = new("--max-agents")
    {
        Description = "The most agents connected at once; more are refused with 503 and come back later (default: derived from the open-file limit, keeping a tenth, at least 512, for the server)",
        HelpName = "N",
    };

    public Option<string> MaxCommandOutput { get; } = new("--max-command-output")
    {
        Description = "The most output a command keeps (its lines' bytes); past it a line says so and the rest is counted, not stored",
        DefaultValueFactory = _ => "10MiB",
        HelpName = "SIZE",
    };

    public Option<string> AgentRate { get; } = new("--agent-rate")
    {
        Description = "Bytes per second of output (and other stored messages) the server takes from one agent; a faster agent is slowed down, nothing is dropped (0: no limit)",
        DefaultValueFactory = _ => "256KiB",
        HelpName = "SIZE",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(MaxAgents);
        command.Options.Add(MaxCommandOutput);
        command.Options.Add(AgentRate);
    }

    /// <summary>Sets the bounds on <paramref name="options"/>, or says which option is wrong and what it takes.</summary>
    public string? Apply(ParseResult parse, ControlPlaneOptions options)
    {
        if (parse.GetValue(MaxAgents) is { } agents)
        {
            if (agents < 0)
            {
                return $"--max-agents {agents}: give 0 or more agents";
            }

            options.MaxAgents = agents;
        }

        if (!TryParseSize(parse.GetValue(MaxCommandOutput)!, out var output) || output < 1)
        {
            return $"--max-command-output {parse.GetValue(MaxCommandOutput)}: give a size of at least 1 byte, such as 10MiB, 512KiB or 1048576";
        }

        if (!TryParseSize(parse.GetValue(AgentRate)!, out var rate))
        {
            return $"--agent-rate {parse.GetValue(AgentRate)}: give bytes per second, such as 256KiB, 1MiB, or 0 for no limit";
        }

        options.MaxCommandOutputBytes = output;
        options.AgentBytesPerSecond = rate;
        // A burst of a second's worth, and at least 1 MiB (a command that prints a screenful at once).
        options.AgentBurstBytes = Math.Max(rate, 1024 * 1024);
        return null;
    }

    /// <summary>A size with an optional binary unit: <c>1048576</c>, <c>1024KiB</c>, <c>1MiB</c>, <c>1M</c>.</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        var trimmed = text.Trim();
        var digits = 0;
        while (digits < trimmed.Length && char.IsAsciiDigit(trimmed[digits]))
        {
            digits++;
        }

        var multiplier = trimmed[digits..].ToUpperInvariant() switch
        {
            "" or "B" => 1L,
            "K" or "KIB" => 1L << 10,
            "M" or "MIB" => 1L << 20,
            "G" or "GIB" => 1L << 30,
            _ => 0,
        };
        if (digits == 0 || multiplier == 0 || !long.TryParse(trimmed[..digits], NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > long.MaxValue / multiplier)
        {
            return false;
        }

        bytes = number * multiplier;
        return true;
    }

    /// <summary>A size for people: <c>10 MiB</c>, <c>512 KiB</c>, <c>300 B</c>.</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1L << 30 when bytes % (1L << 30) == 0 => $"{bytes >> 30} GiB",
        >= 1L << 20 when bytes % (1L << 20) == 0 => $"{bytes >> 20} MiB",
        >= 1L << 10 when bytes % (1L << 10) == 0 => $"{bytes >> 10} KiB",
        _ => $"{bytes} B",
    };
}
