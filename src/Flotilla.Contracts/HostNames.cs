namespace Flotilla.Contracts;

/// <summary>
/// The one rule for host names, on every path that takes one: the inventory's hosts (validation),
/// the control plane's (hosts add, enrolment, API token names) and the agent's (<c>--hostname</c>,
/// or the machine's name): 1 to 63 ASCII letters, digits, '.', '_' or '-', starting with a letter
/// or digit, so a host name is never a selector's <c>@tag</c>, glob or list. The whole string is checked, so nothing may follow the name, not even a
/// newline (which a regular expression's <c>$</c> would let through).
/// </summary>
public static class HostNames
{
    public const int MaxLength = 63;

    /// <summary>The rule in words, for error messages.</summary>
    public const string Rule = "1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit";

    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength }
        && char.IsAsciiLetterOrDigit(name[0])
        && name.AsSpan(1).IndexOfAnyExcept(Allowed) < 0;

    private static readonly System.Buffers.SearchValues<char> Allowed =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
}
