using System.Globalization;

namespace Flotilla.Execution;

/// <summary>
/// How many hosts of a group activate at a time: a number (<c>2</c>) or a percentage of the group
/// (<c>25%</c>, rounded down, at least one host), as Ansible's <c>serial</c>. Immutable.
/// </summary>
public readonly record struct BatchSize
{
    private BatchSize(int value, bool isPercent)
    {
        Value = value;
        IsPercent = isPercent;
    }

    public int Value { get; }

    public bool IsPercent { get; }

    public static BatchSize Hosts(int count) =>
        count >= 1 ? new BatchSize(count, false) : throw new ArgumentOutOfRangeException(nameof(count), count, "a batch has at least one host");

    public static BatchSize Percent(int percent) =>
        percent is >= 1 and <= 100 ? new BatchSize(percent, true) : throw new ArgumentOutOfRangeException(nameof(percent), percent, "a batch percentage is between 1 and 100");

    /// <summary>Reads <c>2</c> or <c>25%</c>; false for anything else (zero, negative, over 100%).</summary>
    public static bool TryParse(string? text, out BatchSize size)
    {
        size = default;
        var trimmed = text?.Trim() ?? "";
        var percent = trimmed.EndsWith('%');
        if (!int.TryParse(percent ? trimmed[..^1] : trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || value < 1 || (percent && value > 100))
        {
            return false;
        }

        size = new BatchSize(value, percent);
        return true;
    }

    /// <summary>The number of hosts per batch in a group of <paramref name="groupSize"/> hosts.</summary>
    public int For(int groupSize) => IsPercent ? Math.Max(1, groupSize * Value / 100) : Value;

    public override string ToString() => Value.ToString(CultureInfo.InvariantCulture) + (IsPercent ? "%" : "");
}
