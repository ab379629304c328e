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
        Assert.Equal("invalid: 1 error", run.ErrorLines[^1]);
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

    [Fact]
    public async Task Warnings_come_first_counted_by_kind_and_errors_last_and_counted()
    {
        using var dir = new TempDirectory();
        dir.Write("flotilla.nix", """
            {
              core_services.dns = { enable = true; ip = "10.0.0.13"; colour = "blue"; flavour = 1; };
              services = {
                wiki = { enable = true; ip = "10.0.0.20"; depends_on = [ "dsn" ]; interface.db = { name = "wiki"; password = "x"; }; };
                web = { enable = true; ip = "10.0.0.21"; depends_on = [ "wikki" ]; };
              };
            }
            """);

        var run = await CliRunner.RunAsync(dir.Path, "validate");

        Assert.Equal(1, run.ExitCode);
        var lines = run.ErrorLines;
        Assert.Equal(7, lines.Length);
        Assert.All(lines[..3], l => Assert.Contains(": warning: ", l, StringComparison.Ordinal));
        Assert.Equal("warnings: 3 (2 unknown attribute, 1 a password written in the inventory ends up in the Nix store)", lines[3]);
        Assert.StartsWith("flotilla.nix: services.web.depends_on[0]: ", lines[4], StringComparison.Ordinal);
        Assert.StartsWith("flotilla.nix: services.wiki.depends_on[0]: ", lines[5], StringComparison.Ordinal);
        Assert.Equal("invalid: 2 errors", lines[6]);
    }

    [Fact]
    public async Task Quiet_prints_the_errors_and_only_counts_the_warnings()
    {
        using var dir = new TempDirectory();
        dir.Write("flotilla.nix", """
            {
              core_services.dns = { enable = true; ip = "10.0.0.13"; colour = "blue"; };
              services.web = { enable = true; ip = "10.0.0.21"; depends_on = [ "dsn" ]; };
            }
            """);

        var run = await CliRunner.RunAsync(dir.Path, "validate", "--quiet");

        Assert.Equal(1, run.ExitCode);
        var lines = run.ErrorLines;
        Assert.Equal(3, lines.Length);
        Assert.Equal("warnings: 1 (1 unknown attribute)", lines[0]);
        Assert.StartsWith("flotilla.nix: services.web.depends_on[0]: ", lines[1], StringComparison.Ordinal);
        Assert.Equal("invalid: 1 error", lines[2]);
    }

    [Fact]
    public async Task NixMox_s_manifest_validates_with_no_warnings()
    {
        var run = await CliRunner.RunAsync(Repository.Root, "validate", "-f", "tests/Fixtures/nixmox/service-manifest.nix");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.DoesNotContain("warning", run.Error, StringComparison.Ordinal);
        Assert.Equal("valid: 7 hosts, 7 services (manifest)", run.Output.Trim());
    }
}
