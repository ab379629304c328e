using System.Globalization;

namespace Flotilla.Inventory.Internal;

/// <summary>Parses durations written as <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c> or a bare number of seconds.</summary>
internal static class DurationParser
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var span = text.AsSpan().Trim();
        if (span.IsEmpty)
        {
            return false;
        }

        if (double.TryParse(span, NumberStyles.Float, CultureInfo.InvariantCulture, out var bare))
        {
            if (bare < 0 || bare > 1e9)
            {
                return false;
            }

            duration = TimeSpan.FromSeconds(bare);
            return true;
        }

        var total = 0.0;
        while (!span.IsEmpty)
        {
            var digits = 0;
            while (digits < span.Length && (char.IsAsciiDigit(span[digits]) || span[digits] == '.'))
            {
                digits++;
            }

            if (digits == 0 || !double.TryParse(span[..digits], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount))
            {
                return false;
            }

            span = span[digits..];
            var unit = 0;
            while (unit < span.Length && char.IsAsciiLetter(span[unit]))
            {
                unit++;
            }

            var seconds = span[..unit] switch
            {
                "ms" => 0.001,
                "s" => 1,
                "m" or "min" => 60,
                "h" => 3600,
                "d" => 86400,
                _ => -1.0,
            };
            if (seconds < 0)
            {
                return false;
            }

            total += amount * seconds;
            span = span[unit..];
        }

        if (total > 1e9)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(total);
        return true;
    }
}
