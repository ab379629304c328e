using Flotilla.Processes;

namespace Flotilla.Execution.Tests;

public sealed class RemoteShellTests
{
    internal static readonly string[] Hostile =
    [
        "a'b",
        "'",
        "''",
        "$(rm -rf /)",
        "`touch /tmp/flotilla-pwned`",
        "; echo injected",
        "a && b || c | d & e",
        "line one\nline two\n",
        "\\'\\\"",
        "*",
        "~root",
        "${HOME}",
        "-n",
        "",
        " leading and trailing ",
        "ünïcødé ✓ 日本語 \u202e",
        "tab\there",
    ];

    public static TheoryData<string> HostileStrings => new(Hostile);

    [Fact]
    public void Quote_wraps_a_value_in_single_quotes() => Assert.Equal("'abc'", RemoteShell.Quote("abc"));

    [Fact]
    public void Quote_writes_a_single_quote_as_close_escape_open() => Assert.Equal("'a'\\''b'", RemoteShell.Quote("a'b"));

    [Fact]
    public void Quote_refuses_a_nul_character() => Assert.Throws<ArgumentException>(() => RemoteShell.Quote("a\0b"));

    [Fact]
    public void Join_quotes_every_word() => Assert.Equal("'printf' '%s' '$(x)'", RemoteShell.Join(["printf", "%s", "$(x)"]));

    [Theory]
    [MemberData(nameof(HostileStrings))]
    public async Task A_quoted_word_reaches_the_program_unchanged_through_a_posix_shell(string value)
    {
        // ssh hands its command line to the remote user's shell; sh -c is that shell here.
        var result = await ProcessRunner.RunAsync("sh", ["-c", RemoteShell.Join(["printf", "%s", value])]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(value, result.StandardOutput);
    }

    [Theory]
    [MemberData(nameof(HostileStrings))]
    public async Task A_script_gets_hostile_values_as_positional_arguments(string value)
    {
        var result = await ProcessRunner.RunAsync("sh", ["-c", RemoteShell.Script("printf '%s|%s' \"$1\" \"$2\"", value, "second")]);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(value + "|second", result.StandardOutput);
    }
}
