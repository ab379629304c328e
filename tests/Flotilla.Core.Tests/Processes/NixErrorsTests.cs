using Flotilla.Processes;
using Flotilla.Tests.Support;

namespace Flotilla.Tests.Processes;

/// <summary>Nix's real error output, with the frames of expressions Flotilla writes taken out and the user's kept.</summary>
public sealed class NixErrorsTests
{
    [Fact]
    public async Task A_frame_of_flotillas_own_expression_is_left_out_and_nix_message_stays()
    {
        var result = await ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command", "eval", "--expr", "let root = { }; in root.\"csb0\".config.system"]);

        Assert.Contains("«string»", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("error: attribute 'csb0' missing", NixErrors.Clean(result.StandardError));
        Assert.Equal("attribute 'csb0' missing", NixErrors.OneLine(result.StandardError));
    }

    [Fact]
    public async Task A_place_in_the_users_file_is_kept_and_on_one_line_without_its_code()
    {
        using var dir = new TempDirectory();
        var file = dir.Write("machine.nix", "{\n  lab.machine.role = let settings = { }; in settings.role;\n}\n");
        var result = await ProcessRunner.RunAsync("nix", ["--extra-experimental-features", "nix-command", "eval", "--file", file, "lab.machine.role"]);

        var clean = NixErrors.Clean(result.StandardError);
        Assert.Contains($"at {file}:2:", clean, StringComparison.Ordinal);
        Assert.Contains("settings.role", clean, StringComparison.Ordinal); // the user's code frame
        Assert.DoesNotContain("--show-trace", clean, StringComparison.Ordinal);
        Assert.Matches($"^attribute 'role' missing at {System.Text.RegularExpressions.Regex.Escape(file)}:2:\\d+$", NixErrors.OneLine(result.StandardError));
    }

    [Fact]
    public void A_long_message_is_cut_to_the_length_asked_for() =>
        Assert.Equal(20, NixErrors.OneLine("error: " + new string('x', 100), 20).Length);
}
