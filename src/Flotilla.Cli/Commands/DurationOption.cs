using System.CommandLine;
using Flotilla.Inventory;

namespace Flotilla.Cli.Commands;

/// <summary>
/// An option that takes a duration as the inventory writes them (<c>30s</c>, <c>2m</c>, <c>1h30m</c>),
/// parsed by the command line itself: a malformed or out-of-range value is a parse error naming the
/// option and an example, before any command runs. Not given, it is <see cref="Default"/> (said in
/// the help as written, not as a <see cref="TimeSpan"/>); whether it was given stays visible to
/// <c>deploy --resume</c>, which then takes the run's own value.
/// </summary>
internal sealed class DurationOption : Option<TimeSpan?>
{
    public DurationOption(string name, string description, string defaultValue, string examples, bool allowZero = false)
        : base(name)
    {
        Default = Durations.TryParse(defaultValue, out var parsed) ? parsed : throw new ArgumentException($"not a duration: {defaultValue}", nameof(defaultValue));
        Description = $"{description} (default: {defaultValue})";
        HelpName = "DURATION";
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : "";
            if (Durations.TryParse(text, out var duration) && (allowZero ? duration >= TimeSpan.Zero : duration > TimeSpan.Zero))
            {
                return duration;
            }

            result.AddError($"{name} takes a duration such as {examples}, not \"{text}\"");
            return null;
        };
    }

    public TimeSpan Default { get; }

    public TimeSpan Read(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(this) ?? Default;
    }
}
