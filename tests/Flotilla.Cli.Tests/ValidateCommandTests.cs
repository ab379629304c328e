using Flotilla.Tests.Support;

namespace Flotilla.Tests;

public sealed class ValidateCommandTests
{
    [Theory]
    [InlineData("examples/nixmox/flotilla.nix")]
    [InlineData("examples/homelab")]
    public async Task The_examples_are_valid(string path)
    {
        var run = await CliRunner.RunAsync(Repository.Root, "validate", "-f", path);

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.StartsWith("valid:", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_problem_is_one_line_naming_file_path_and_fix()
    {
        using var dir = new TempDirectory();
        var manifest = (await File.ReadAllTextAsync(Repository.PathOf("examples", "nixmox", "flotilla.nix")))
            .Replace("depends_on = [ \"postgresql\" \"caddy\" \"authentik\" ];\n      ports = [ 8080 ];", "depends_on = [ \"postgresql\" \"cady\" \"authentik\" ];\n      ports = [ 8080 ];", StringComparison.Ordinal);
        dir.Write("flotilla.nix", manifest);

        var run = await CliRunner.RunAsync(dir.Path, "validate");

        Assert.Equal(1, run.ExitCode);
        var line = Assert.Single(run.ErrorLines, l => l.StartsWith("flotilla.nix: ", StringComparison.Ordinal));
        Assert.StartsWith("flotilla.nix: services.vaultwarden.depends_on[1]: ", line, StringComparison.Ordinal);
        Assert.Contains("did you mean \"caddy\"", line, StringComparison.Ordinal);
        Assert.Equal("invalid: 1 problem", run.ErrorLines[^1]);
    }

    [Fact]
    public async Task A_cycle_is_printed_as_its_path()
    {
        using var dir = new TempDirectory();
        dir.Write("flotilla.yaml", "hosts:\n  a: { dependsOn: [b] }\n  b: { dependsOn: [c] }\n  c: { dependsOn: [a] }\n");

        var run = await CliRunner.RunAsync(dir.Path, "validate");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(run.ErrorLines, l => l.StartsWith("flotilla.yaml: hosts.", StringComparison.Ordinal) && l.Contains("a -> b -> c -> a", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_nix_error_shows_nix_message_and_no_stack_trace()
    {
        using var dir = new TempDirectory();
        dir.Write("flotilla.nix", "{ services = { a = ; }; }");

        var run = await CliRunner.RunAsync(dir.Path, "validate");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("flotilla.nix: Nix could not evaluate it:", run.Error, StringComparison.Ordinal);
        Assert.Contains("syntax error", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at Flotilla", run.Error, StringComparison.Ordinal);
    }
}
