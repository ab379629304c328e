using Flotilla.Inventory.Internal;

namespace Flotilla.Inventory;

/// <summary>Durations as inventories and command lines write them: <c>250ms</c>, <c>30s</c>, <c>5m</c>, <c>1h30m</c>, or seconds.</summary>
public static class Durations
{
    public static bool TryParse(string text, out TimeSpan duration) => DurationParser.TryParse(text, out duration);
}
